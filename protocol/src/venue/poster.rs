//! The one poster a venue prints, whoever makes it (`vaora venue create`, the server's
//! registration answer, the console's download): the venue's name, then its category,
//! address and ward, the code, and a line that says what to do.

use crate::render::poster::Poster;
use crate::venue::{VenueCategory, VenueCode};

/// The line under the code.
pub const POSTER_FOOTER: &str = "Quét mã bằng ứng dụng Vaora để khai báo vào / ra";

/// The poster of a venue: `name` as the title; its category, `address` and `ward` (empty
/// ones left out); the code; [`POSTER_FOOTER`].
pub fn venue_poster(
    name: &str,
    category: VenueCategory,
    address: &str,
    ward: &str,
    code_text: &str,
) -> Poster {
    let lines = [category.label_vi(), address, ward]
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    Poster {
        title: name.to_owned(),
        lines,
        footer: POSTER_FOOTER.to_owned(),
        code_text: code_text.to_owned(),
    }
}

impl VenueCode {
    /// This code's poster (a code carries no ward: pass the registry's, or "").
    pub fn poster(&self, ward: &str) -> Poster {
        let info = &self.info;
        venue_poster(
            &info.name,
            info.category,
            &info.address,
            ward,
            &self.to_text(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lines_are_left_out_and_the_order_is_fixed() {
        let p = venue_poster(
            "Phở Hà",
            VenueCategory::Market,
            "",
            "Phường 1",
            "VAORA:V1:x",
        );
        assert_eq!(p.title, "Phở Hà");
        assert_eq!(
            p.lines,
            vec![
                VenueCategory::Market.label_vi().to_owned(),
                "Phường 1".into()
            ]
        );
        assert_eq!(p.footer, POSTER_FOOTER);
        assert_eq!(p.code_text, "VAORA:V1:x");
    }
}
