//! Venue categories, as printed on posters and used in compliance statistics.

use std::fmt;
use std::str::FromStr;

/// What kind of place a venue is. The numeric code is what signed payloads carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VenueCategory {
    Office,
    School,
    Market,
    Supermarket,
    Clinic,
    Pharmacy,
    TransportStation,
    PublicVehicle,
    Factory,
    RestaurantOrShop,
    CommunityHouse,
    Other,
}

/// A category name or code that Vaora does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown venue category {0:?}; known: office, school, market, supermarket, clinic, pharmacy, transport-station, public-vehicle, factory, restaurant-shop, community-house, other"
)]
pub struct UnknownCategory(pub String);

impl VenueCategory {
    pub const ALL: [VenueCategory; 12] = [
        Self::Office,
        Self::School,
        Self::Market,
        Self::Supermarket,
        Self::Clinic,
        Self::Pharmacy,
        Self::TransportStation,
        Self::PublicVehicle,
        Self::Factory,
        Self::RestaurantOrShop,
        Self::CommunityHouse,
        Self::Other,
    ];

    /// Stable numeric code (1..=12) used in signed encodings and storage.
    pub fn code(self) -> u8 {
        match self {
            Self::Office => 1,
            Self::School => 2,
            Self::Market => 3,
            Self::Supermarket => 4,
            Self::Clinic => 5,
            Self::Pharmacy => 6,
            Self::TransportStation => 7,
            Self::PublicVehicle => 8,
            Self::Factory => 9,
            Self::RestaurantOrShop => 10,
            Self::CommunityHouse => 11,
            Self::Other => 12,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Stable text name used by the CLI, JSON and the console.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::School => "school",
            Self::Market => "market",
            Self::Supermarket => "supermarket",
            Self::Clinic => "clinic",
            Self::Pharmacy => "pharmacy",
            Self::TransportStation => "transport-station",
            Self::PublicVehicle => "public-vehicle",
            Self::Factory => "factory",
            Self::RestaurantOrShop => "restaurant-shop",
            Self::CommunityHouse => "community-house",
            Self::Other => "other",
        }
    }

    /// Vietnamese label for posters and the console.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Office => "Cơ quan, văn phòng",
            Self::School => "Trường học",
            Self::Market => "Chợ",
            Self::Supermarket => "Siêu thị",
            Self::Clinic => "Cơ sở y tế",
            Self::Pharmacy => "Nhà thuốc",
            Self::TransportStation => "Bến xe, nhà ga",
            Self::PublicVehicle => "Phương tiện công cộng",
            Self::Factory => "Nhà máy",
            Self::RestaurantOrShop => "Nhà hàng, cửa hàng",
            Self::CommunityHouse => "Nhà văn hoá",
            Self::Other => "Khác",
        }
    }
}

impl fmt::Display for VenueCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VenueCategory {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let alias = match norm.as_str() {
            "restaurant" | "shop" | "restaurant-or-shop" => "restaurant-shop",
            "transport" | "station" => "transport-station",
            "bus" | "vehicle" => "public-vehicle",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == alias)
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for c in VenueCategory::ALL {
            assert_eq!(VenueCategory::from_code(c.code()), Some(c));
            assert_eq!(c.as_str().parse::<VenueCategory>(), Ok(c));
        }
        assert_eq!(VenueCategory::from_code(0), None);
        assert!("casino".parse::<VenueCategory>().is_err());
    }
}
