//! Code lists of the return and how carecast groups them. The lists follow the DfE 903
//! validator's rules (github.com/data-to-insight/csc-validator-be-903, `lac2022_23` rules
//! 101, 103, 143, 144, 145, 146, 149 and 178; `lac2024_25` rule 146 adds K3; `lac2025_26`
//! rule 146 drops H5, P2 and Z1 and adds Z11-Z14) and the LIIA 2017 schema for E43/E44.
//! Unknown codes are passed through (and counted in the audit), never refused.

use crate::{PlacementType, Provider};

/// Reasons for a new episode (`RNE`).
pub const RNE: [&str; 6] = ["S", "L", "P", "T", "B", "U"];
/// Legal statuses (`LS`).
pub const LS: [&str; 13] = [
    "C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3",
];
/// Placement types (`PLACE`) over the years.
pub const PLACE: [&str; 32] = [
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1",
    "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13",
    "Z14",
];
/// Placement providers (`PLACE_PROVIDER`).
pub const PLACE_PROVIDER: [&str; 6] = ["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"];
/// Reasons an episode ceased (`REC`), including the older E43/E44.
pub const REC: [&str; 24] = [
    "X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E43", "E44", "E45",
    "E46", "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9",
];
/// Reasons for a placement change (`REASON_PLACE_CHANGE`).
pub const REASON_PLACE_CHANGE: [&str; 11] = [
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
    "OTHER",
];
/// Categories of need (`CIN`).
pub const CIN: [&str; 8] = ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"];
/// Ethnicity codes (`ETHNIC`).
pub const ETHNIC: [&str; 20] = [
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
    "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
];

/// Whether a code is in a list (empty strings in the padded lists never match).
pub fn known(list: &[&str], code: &str) -> bool {
    !code.is_empty() && list.contains(&code)
}

/// Whether a legal status is a short break (V3 or V4), which the DfE leaves out of its
/// published counts of children looked after (DfE, "Children looked after in England
/// including adoptions", methodology; Hansard HL written answer, 26 June 2008).
pub fn is_short_break(ls: &str) -> bool {
    ls == "V3" || ls == "V4"
}

/// Whether an `RNE` marks a continuation: the child stayed with the same carers
/// (L: legal status only; T: placement changed, same carers; U: legal status and placement
/// changed, same carers).
pub fn is_continuation(rne: &str) -> bool {
    matches!(rne, "L" | "T" | "U")
}

/// Whether an `RNE` marks a change of carers (a placement move): P or B.
pub fn is_move(rne: &str) -> bool {
    matches!(rne, "P" | "B")
}

/// Who provides a placement, from `PLACE_PROVIDER`: PR1 (own council) is in-house, PR4
/// (private) and PR5 (voluntary) are agency, everything else (PR0 parents, PR2 another
/// council, PR3 another public body, blank) is other.
pub fn provider_class(pr: &str) -> &'static str {
    match pr {
        "PR1" => "in_house",
        "PR4" | "PR5" => "agency",
        _ => "other",
    }
}

/// The broad placement group of a `PLACE` code: `fostering` (U1-U6), `residential`
/// (K2, R1, P3, S1), `supported` (H5, K3, P2), `adoption` (A3-A6), `with_parents` (P1),
/// `secure` (K1, R5), `temporary` (T0-T4), `other` (everything else, unknown codes too).
pub fn place_group(place: &str) -> &'static str {
    match place {
        "U1" | "U2" | "U3" | "U4" | "U5" | "U6" => "fostering",
        "K2" | "R1" | "P3" | "S1" => "residential",
        "H5" | "K3" | "P2" => "supported",
        "A3" | "A4" | "A5" | "A6" => "adoption",
        "P1" => "with_parents",
        "K1" | "R5" => "secure",
        "T0" | "T1" | "T2" | "T3" | "T4" => "temporary",
        _ => "other",
    }
}

/// The groups of [`place_group`], in display order.
pub const GROUPS: [&str; 8] = [
    "fostering",
    "residential",
    "supported",
    "adoption",
    "with_parents",
    "secure",
    "temporary",
    "other",
];

/// The library's canonical placement type of a (`PLACE`, `PLACE_PROVIDER`) pair:
/// fostering by the council or another public body is in-house fostering, by a private
/// or voluntary provider an IFA; children's homes likewise split into in-house and agency
/// homes (a record cannot tell a block contract from a spot purchase).
///
/// ```
/// use carecast::{PlacementType, ssda903::codes::placement_type};
/// assert_eq!(placement_type("U4", "PR1"), PlacementType::InHouseFostering);
/// assert_eq!(placement_type("U5", "PR4"), PlacementType::Ifa);
/// assert_eq!(placement_type("K2", "PR5"), PlacementType::AgencyHome);
/// assert_eq!(placement_type("K3", "PR4"), PlacementType::SupportedAccommodation);
/// ```
pub fn placement_type(place: &str, provider: &str) -> PlacementType {
    let public = matches!(provider, "PR1" | "PR2" | "PR3");
    match place_group(place) {
        "fostering" if public => PlacementType::InHouseFostering,
        "fostering" => PlacementType::Ifa,
        "residential" if public => PlacementType::InHouseHome,
        "residential" => PlacementType::AgencyHome,
        "supported" => PlacementType::SupportedAccommodation,
        "adoption" => PlacementType::Adoption,
        "with_parents" => PlacementType::WithParents,
        "secure" => PlacementType::Secure,
        _ => PlacementType::Other,
    }
}

/// The provider of the library's placement type (for reference).
pub fn provider_of(t: PlacementType) -> Provider {
    t.provider()
}
