//! Every table id and measure name the model reads, in one place.
//!
//! A dataset is a set of tables, each with an `id` (its file's `# id:` line) and rows
//! with a `measure`. The model looks tables up by these ids and picks rows by these
//! measures; a council's folder that uses them gets the same treatment as the bundled
//! datasets. Tables the model does not read (most of a sufficiency strategy) are only
//! reconciled and never named here.

/// Table ids.
pub mod table {
    /// Children in care at 31 March by age band (the cohort model's stocks).
    pub const CIC_BY_AGE: &str = "cic_by_age";
    /// Admissions in the year by age band.
    pub const ADMISSIONS_BY_AGE: &str = "admissions_by_age";
    /// Opening, admissions, discharges and closing by financial year.
    pub const FLOWS_ANNUAL: &str = "flows_annual";
    /// Opening, admissions, discharges and closing, summary table.
    pub const FLOWS_SUMMARY: &str = "flows_summary";
    /// Flows by quarter (`YYYY/YY Qn` periods), with closing stocks at quarter ends.
    pub const FLOWS_QUARTERLY: &str = "flows_quarterly";
    /// Children by placement type at dates (preferred).
    pub const CIC_BY_PLACEMENT: &str = "cic_by_placement";
    /// Children by placement type at dates (used when `cic_by_placement` is absent).
    pub const PLACEMENTS_BY_TYPE: &str = "placements_by_type";
    /// Children aged 16 and 17 by placement type.
    pub const CIC_16_17_BY_PLACEMENT: &str = "cic_16_17_by_placement";
    /// In-house foster carer households: households, approvals, resignations.
    pub const FOSTERING_HOUSEHOLDS: &str = "fostering_households";
    /// Approved foster places and places filled.
    pub const FOSTER_PLACEMENT_UTILISATION: &str = "foster_placement_utilisation";
    /// Contract carer households.
    pub const CONTRACT_CARE_HOUSEHOLDS: &str = "contract_care_households";
    /// Beds in council children's homes (preferred).
    pub const IN_HOUSE_RESIDENTIAL_BEDS: &str = "in_house_residential_beds";
    /// Places in council children's homes (used when the beds table is absent).
    pub const INTERNAL_RESIDENTIAL_PLACES: &str = "internal_residential_places";
    /// Targets of the fostering service plan.
    pub const FOSTERING_SERVICE_TARGETS: &str = "fostering_service_targets";
    /// Placements within 20 miles of home: shares and the target share.
    pub const LOCALITY: &str = "locality";
    /// Spend on independent fostering agencies, with placements at the year's ends.
    pub const IFA_SPEND: &str = "ifa_spend";
    /// Spend on agency residential placements, with placements at the year's ends.
    pub const AGENCY_RESIDENTIAL: &str = "agency_residential";
    /// Spend by pool (fostering, residential) by year.
    pub const EXPENDITURE_ANNUAL: &str = "expenditure_annual";
    /// Discharges by reason (returned home, ...).
    pub const DISCHARGES_BY_REASON: &str = "discharges_by_reason";

    /// Tables that may hold children by placement type at dates, in order of preference.
    pub const PLACEMENT_TABLES: [&str; 2] = [CIC_BY_PLACEMENT, PLACEMENTS_BY_TYPE];
    /// Tables of in-house residential capacity, in order of preference.
    pub const RESIDENTIAL_CAPACITY_TABLES: [&str; 2] =
        [IN_HOUSE_RESIDENTIAL_BEDS, INTERNAL_RESIDENTIAL_PLACES];
}

/// Measure names (the `measure` of a row).
pub mod measure {
    /// Children in care at a date.
    pub const STOCK: &str = "stock";
    /// Children in care at the start of a period.
    pub const OPENING: &str = "opening";
    /// Children in care at the end of a period.
    pub const CLOSING: &str = "closing";
    /// Children who started to be looked after in a period.
    pub const ADMISSIONS: &str = "admissions";
    /// Children who ceased to be looked after in a period.
    pub const DISCHARGES: &str = "discharges";
    /// Foster carer households.
    pub const CARER_HOUSEHOLDS: &str = "carer_households";
    /// Households approved in a year.
    pub const APPROVALS: &str = "approvals";
    /// Households resigning in a year.
    pub const RESIGNATIONS: &str = "resignations";
    /// A capacity: approved places, beds, contract carer households.
    pub const CAPACITY: &str = "capacity";
    /// Capacity planned later, with no date.
    pub const PLANNED_CAPACITY: &str = "planned_capacity";
    /// Approved places filled.
    pub const FILLED: &str = "filled";
    /// Pounds per child per year.
    pub const ANNUAL_COST: &str = "annual_cost";
    /// A target the council set itself.
    pub const TARGET: &str = "target";
    /// A target share, percent.
    pub const TARGET_SHARE: &str = "target_share";
    /// A share, percent.
    pub const SHARE: &str = "share";
    /// Spend, pounds.
    pub const SPEND: &str = "spend";
}

/// The `category` of a printed total row.
pub const TOTAL_CATEGORY: &str = "Total";
