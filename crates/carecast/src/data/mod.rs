//! Published tables and their format, datasets (a set of tables with their declared
//! checks), and the table ids and measure names the model reads.

pub mod checks;
pub mod dataset;
pub mod ids;
pub mod table;
