//! PDF documents a person or an office prints: the receipt (RC-1), and the office's agenda.
//! A4, DejaVu Sans (Latin subset, every diacritic) embedded, so "Nguyễn Thị Ánh" prints and
//! copies out right.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, Rgb, TextItem,
    XObjectTransform,
};

use crate::qr::qr_code;
use prenota_domain::bookings::Booking;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::texts::Appointment;
use prenota_domain::texts::Language;
use prenota_domain::time::ROME;
use prenota_domain::types::IdentityDocument;

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Latin.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-Latin.ttf");

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 18.0;
/// The QR code's side, at the top right (seed 000).
const QR_SIDE: f32 = 44.0;
/// A point is 1/72 inch.
const MM_PER_PT: f32 = 25.4 / 72.0;

fn regular() -> &'static ParsedFont {
    static FONT: OnceLock<ParsedFont> = OnceLock::new();
    FONT.get_or_init(|| {
        ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new()).expect("the embedded font parses")
    })
}

fn bold() -> &'static ParsedFont {
    static FONT: OnceLock<ParsedFont> = OnceLock::new();
    FONT.get_or_init(|| {
        ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new()).expect("the embedded font parses")
    })
}

#[derive(Clone, Copy, PartialEq)]
pub enum Weight {
    Regular,
    Bold,
}

const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const GREY: (f32, f32, f32) = (0.35, 0.35, 0.35);
const BLUE: (f32, f32, f32) = (0.04, 0.31, 0.54);

/// Pages laid out top to bottom: a cursor that moves down, wrapping lines to the width and
/// starting a new page when the current one is full.
pub struct Layout {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<Vec<Op>>,
    /// Distance of the next line's baseline from the top of the page, in mm.
    y: f32,
    /// The right edge of the text on the first page (left of the QR code).
    first_page_right: f32,
}

impl Layout {
    pub fn new(title: &str) -> Layout {
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(regular());
        let bold = doc.add_font(bold());
        Layout {
            doc,
            regular,
            bold,
            pages: vec![Vec::new()],
            y: MARGIN,
            first_page_right: PAGE_WIDTH - MARGIN,
        }
    }

    fn right_edge(&self) -> f32 {
        if self.pages.len() == 1 && self.y < MARGIN + QR_SIDE + 4.0 {
            self.first_page_right
        } else {
            PAGE_WIDTH - MARGIN
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Moves down by `mm`, to a new page if the line would not fit.
    pub fn advance(&mut self, mm: f32) {
        self.y += mm;
        if self.y > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN + mm;
        }
    }

    /// The width of `text` in mm.
    pub fn width(text: &str, weight: Weight, size: f32) -> f32 {
        let font = if weight == Weight::Bold {
            bold()
        } else {
            regular()
        };
        let units: f32 = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .and_then(|g| font.get_glyph_width(g))
                    .unwrap_or(600) as f32
            })
            .sum();
        units / f32::from(font.units_per_em.max(1)) * size * MM_PER_PT
    }

    /// One line of text at `x` mm from the left, on the current line.
    pub fn text_at(
        &mut self,
        x: f32,
        text: &str,
        weight: Weight,
        size: f32,
        color: (f32, f32, f32),
    ) {
        let font = if weight == Weight::Bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        let y = PAGE_HEIGHT - self.y;
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor {
                col: Color::Rgb(Rgb::new(color.0, color.1, color.2, None)),
            },
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Mm(x).into(),
                    y: Mm(y).into(),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A paragraph, wrapped to the width, `indent` mm from the margin.
    pub fn paragraph(
        &mut self,
        text: &str,
        weight: Weight,
        size: f32,
        color: (f32, f32, f32),
        indent: f32,
    ) {
        let line_height = size * MM_PER_PT * 1.3;
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            let room = self.right_edge() - MARGIN - indent;
            if !line.is_empty() && Layout::width(&candidate, weight, size) > room {
                self.advance(line_height);
                self.text_at(MARGIN + indent, &line, weight, size, color);
                line = word.to_owned();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            self.advance(line_height);
            self.text_at(MARGIN + indent, &line, weight, size, color);
        }
    }

    /// An item of a list in both languages: the Italian after a bullet, the English below it,
    /// both with a hanging indent.
    pub fn bullet(&mut self, it: &str, en: &str) {
        let (top, page) = (self.y, self.pages.len());
        self.paragraph(it, Weight::Regular, 9.0, BLACK, 3.0);
        // On the item's first line, unless the item began on a new page.
        if self.pages.len() == page {
            let end = self.y;
            self.y = top + 9.0 * MM_PER_PT * 1.3;
            self.text_at(MARGIN, "•", Weight::Regular, 9.0, BLACK);
            self.y = end;
        }
        self.paragraph(en, Weight::Regular, 8.0, GREY, 3.0);
    }

    /// One line of columns, each cut to its width: `(x from the margin, width, text)`.
    pub fn columns(
        &mut self,
        columns: &[(f32, f32, &str)],
        weight: Weight,
        size: f32,
        color: (f32, f32, f32),
    ) {
        self.advance(size * MM_PER_PT * 1.45);
        for (x, width, text) in columns {
            let text = fit(text, weight, size, *width);
            self.text_at(MARGIN + x, &text, weight, size, color);
        }
    }

    /// A heading in both languages: `Documento / Document`.
    pub fn heading(&mut self, it: &str, en: &str) {
        self.advance(3.0);
        self.paragraph(&format!("{it} / {en}"), Weight::Bold, 10.0, BLUE, 0.0);
    }

    pub fn rule(&mut self) {
        self.advance(2.5);
        let y = PAGE_HEIGHT - self.y;
        let right = self.right_edge();
        let point = |x: f32| LinePoint {
            p: Point {
                x: Mm(x).into(),
                y: Mm(y).into(),
            },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor {
                col: Color::Rgb(Rgb::new(BLUE.0, BLUE.1, BLUE.2, None)),
            },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(MARGIN), point(right)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// The QR code at the top right of the first page, module for module (no smoothing).
    pub fn qr_top_right(&mut self, code: &str) {
        // The limits on input keep every code within a QR code (receipt's worst-case test).
        let Some(qr) = qr_code(code) else {
            tracing::error!("a receipt code too long for a QR code");
            return;
        };
        let (side, quiet) = (qr.width(), 4);
        let size = side + 2 * quiet;
        let colors = qr.to_colors();
        let mut pixels = vec![255u8; size * size];
        for row in 0..side {
            for column in 0..side {
                if colors[row * side + column] == qrcode::Color::Dark {
                    pixels[(row + quiet) * size + column + quiet] = 0;
                }
            }
        }
        let image = RawImage {
            pixels: RawImageData::U8(pixels),
            width: size,
            height: size,
            data_format: RawImageFormat::R8,
            tag: Vec::new(),
        };
        let id = self.doc.add_image(&image);
        let left = PAGE_WIDTH - MARGIN - QR_SIDE;
        self.first_page_right = left - 4.0;
        self.pages[0].push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Mm(left).into()),
                translate_y: Some(Mm(PAGE_HEIGHT - MARGIN + 4.0 - QR_SIDE).into()),
                // pixels per inch such that the image spans QR_SIDE mm
                dpi: Some(size as f32 * 25.4 / QR_SIDE),
                ..Default::default()
            },
        });
    }

    pub fn finish(self) -> Vec<u8> {
        let pages = self
            .pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops))
            .collect();
        let options = PdfSaveOptions {
            // Compressed below, the fonts from a copy made once per process.
            optimize: false,
            subset_fonts: true,
            // The QR code must stay exactly as drawn: no lossy re-encoding.
            image_optimization: None,
            ..Default::default()
        };
        let mut doc = self.doc;
        let mut pdf = doc
            .with_pages(pages)
            .to_lopdf_document(&options, &mut Vec::new());
        for object in pdf.objects.values_mut() {
            if let lopdf::Object::Stream(stream) = object
                && let Some(compressed) = compressed_font(&stream.content)
            {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(compressed.to_vec());
            }
        }
        // Every other stream (the pages' text, the QR image) is small.
        pdf.compress();
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)
            .expect("writing to memory cannot fail");
        bytes
    }
}

/// The compressed program of an embedded font, if `program` is one. Compressing both fonts at
/// every render was half of a receipt's CPU time; they are the same bytes every time.
fn compressed_font(program: &[u8]) -> Option<&'static [u8]> {
    static COMPRESSED: OnceLock<[Option<Vec<u8>>; 2]> = OnceLock::new();
    let index = [REGULAR_TTF, BOLD_TTF]
        .iter()
        .position(|font| *font == program)?;
    let compressed = COMPRESSED.get_or_init(|| {
        [REGULAR_TTF, BOLD_TTF].map(|font| {
            let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), font.to_vec());
            // lopdf keeps a stream as it is when compressing would not make it smaller.
            let compressed = stream.compress().is_ok() && stream.dict.has(b"Filter");
            compressed.then_some(stream.content)
        })
    });
    compressed[index].as_deref()
}

/// `text`, cut with an ellipsis to fit `width` mm.
fn fit(text: &str, weight: Weight, size: f32, width: f32) -> String {
    if Layout::width(text, weight, size) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() && Layout::width(&format!("{cut}…"), weight, size) > width {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// The agenda of an office's day to print (EX-1): one section per site, the appointments in
/// time order with what the counter checks.
pub fn agenda(
    catalogue: &Catalogue,
    office_id: &str,
    date: NaiveDate,
    bookings: &[&Booking],
) -> Vec<u8> {
    let (t_it, t_en) = (Language::It.texts(), Language::En.texts());
    let (l_it, l_en) = (t_it.export_labels(), t_en.export_labels());
    let office = catalogue.office(office_id);
    let mut page = Layout::new(&format!("Agenda {office_id} {date}"));
    page.paragraph(
        office.map_or(office_id, |o| o.name.as_str()),
        Weight::Bold,
        13.0,
        BLACK,
        0.0,
    );
    page.paragraph(
        &format!(
            "{} {} / {} {}",
            l_it.agenda,
            t_it.date(date),
            l_en.agenda,
            t_en.date(date)
        ),
        Weight::Regular,
        11.0,
        GREY,
        0.0,
    );
    // Column positions (mm from the margin) and widths: time, number, name, birth, document,
    // service.
    const COLUMNS: [(f32, f32); 6] = [
        (0.0, 10.0),
        (11.0, 28.0),
        (40.0, 46.0),
        (87.0, 18.0),
        (106.0, 29.0),
        (136.0, 38.0),
    ];
    let header = [
        l_it.time.to_owned(),
        l_it.number.to_owned(),
        format!("{} / {}", l_it.surname, l_it.given_names),
        l_it.birth_date.to_owned(),
        l_it.document.to_owned(),
        l_it.service.to_owned(),
    ];
    let sites = office.map(|o| o.sites.as_slice()).unwrap_or_default();
    if bookings.is_empty() {
        page.advance(4.0);
        page.paragraph(
            &format!("{} / {}", l_it.no_appointments, l_en.no_appointments),
            Weight::Regular,
            10.0,
            BLACK,
            0.0,
        );
    }
    for site in sites {
        let rows: Vec<&&Booking> = bookings.iter().filter(|b| b.site == site.id).collect();
        if rows.is_empty() {
            continue;
        }
        page.advance(3.0);
        page.paragraph(
            &format!("{} – {}", site.name, site.address),
            Weight::Bold,
            10.0,
            BLUE,
            0.0,
        );
        let titles: Vec<(f32, f32, &str)> = COLUMNS
            .iter()
            .zip(&header)
            .map(|((x, w), t)| (*x, *w, t.as_str()))
            .collect();
        page.columns(&titles, Weight::Bold, 8.0, GREY);
        for booking in rows {
            let person = &booking.attendee;
            let mut name = format!(
                "{} {}",
                person.surname.as_str().to_uppercase(),
                person.given_names.as_str()
            );
            // The children come with the person: the counter sees how many.
            if !booking.children.is_empty() {
                name.push_str(&format!(" (+{})", booking.children.len()));
            }
            let document = person
                .document
                .as_ref()
                .map(IdentityDocument::listed)
                .unwrap_or_default();
            let service = catalogue
                .service(&booking.service)
                .map_or(booking.service.as_str(), |s| s.name.it.as_str());
            let (time, number, born) = (
                booking.time.format("%H:%M").to_string(),
                booking.id.printed(),
                person.birth_date.format("%d/%m/%Y").to_string(),
            );
            let cells = [
                time.as_str(),
                number.as_str(),
                name.as_str(),
                born.as_str(),
                document.as_str(),
                service,
            ];
            let row: Vec<(f32, f32, &str)> = COLUMNS
                .iter()
                .zip(cells)
                .map(|((x, w), t)| (*x, *w, t))
                .collect();
            page.columns(&row, Weight::Regular, 8.5, BLACK);
        }
    }
    page.finish()
}

/// The receipt of a booking (RC-1): the office, the QR code at the top right, the number, day,
/// time, site and address, the service, the person and the children, the documents to bring
/// with the fees, and "arrive 10 minutes early", in Italian and English.
pub fn receipt(
    catalogue: &Catalogue,
    booking: &Booking,
    code: &str,
    issued_at: DateTime<Utc>,
) -> Vec<u8> {
    let (it, en) = (
        Appointment::of(catalogue, booking, Language::It),
        Appointment::of(catalogue, booking, Language::En),
    );
    let (t_it, t_en) = (Language::It.texts(), Language::En.texts());
    let (l_it, l_en) = (t_it.receipt_labels(), t_en.receipt_labels());
    let office = catalogue
        .office(&booking.office)
        .map_or(booking.office.as_str(), |o| o.name.as_str());

    let mut page = Layout::new(&format!("{} {}", l_it.title, it.number));
    page.qr_top_right(code);
    page.paragraph(office, Weight::Bold, 13.0, BLACK, 0.0);
    page.paragraph(
        &format!("{} / {}", l_it.title, l_en.title),
        Weight::Regular,
        11.0,
        GREY,
        0.0,
    );
    page.advance(4.0);
    page.paragraph(
        &format!("{} / {}", l_it.number, l_en.number),
        Weight::Regular,
        9.0,
        GREY,
        0.0,
    );
    page.paragraph(&it.number, Weight::Bold, 20.0, BLACK, 0.0);

    page.heading(l_it.appointment, l_en.appointment);
    page.paragraph(
        &format!("{} – {}", t_it.date(it.date), it.time),
        Weight::Bold,
        12.0,
        BLACK,
        0.0,
    );
    page.paragraph(
        &format!("{} – {}", t_en.date(en.date), en.time),
        Weight::Regular,
        10.0,
        GREY,
        0.0,
    );
    page.heading(l_it.place, l_en.place);
    page.paragraph(&it.site, Weight::Bold, 10.5, BLACK, 0.0);
    page.paragraph(&it.address, Weight::Regular, 10.0, BLACK, 0.0);
    page.rule();

    page.heading(l_it.service, l_en.service);
    page.paragraph(&it.service, Weight::Regular, 10.0, BLACK, 0.0);
    page.paragraph(&en.service, Weight::Regular, 9.0, GREY, 0.0);
    page.heading(l_it.person, l_en.person);
    let person = &booking.attendee;
    page.paragraph(&person.full_name(), Weight::Bold, 11.0, BLACK, 0.0);
    let born = person.birth_date.format("%d/%m/%Y");
    page.paragraph(
        &format!("{} / {} {born}", l_it.born, l_en.born),
        Weight::Regular,
        10.0,
        BLACK,
        0.0,
    );
    if let Some(document) = &person.document {
        let line = format!(
            "{} / {}: {} / {} {} ({})",
            l_it.document,
            l_en.document,
            t_it.document_type(document.kind),
            t_en.document_type(document.kind),
            document.number.as_str(),
            document.issuing_country.as_str()
        );
        page.paragraph(&line, Weight::Regular, 10.0, BLACK, 0.0);
    }
    if !booking.children.is_empty() {
        page.heading(l_it.children, l_en.children);
        for child in &booking.children {
            page.paragraph(
                &format!(
                    "{} – {}",
                    child.full_name(),
                    child.birth_date.format("%d/%m/%Y")
                ),
                Weight::Regular,
                10.0,
                BLACK,
                0.0,
            );
        }
    }
    page.rule();

    page.heading(l_it.documents, l_en.documents);
    for (document_it, document_en) in it.documents.iter().zip(&en.documents) {
        page.bullet(document_it, document_en);
    }
    if !it.fees.is_empty() {
        page.heading(l_it.payments, l_en.payments);
        for (fee_it, fee_en) in it.fees.iter().zip(&en.fees) {
            page.bullet(fee_it, fee_en);
        }
    }
    page.rule();
    page.advance(1.0);
    page.paragraph(t_it.arrive_early(), Weight::Bold, 10.0, BLACK, 0.0);
    page.paragraph(t_en.arrive_early(), Weight::Regular, 9.5, GREY, 0.0);
    page.advance(3.0);
    page.paragraph(l_it.public_act, Weight::Regular, 8.0, GREY, 0.0);
    page.paragraph(l_en.public_act, Weight::Regular, 8.0, GREY, 0.0);
    let issued = issued_at.with_timezone(&ROME).format("%d/%m/%Y %H:%M");
    page.paragraph(
        &format!("{} / {} {issued}", l_it.issued, l_en.issued),
        Weight::Regular,
        8.0,
        GREY,
        0.0,
    );
    page.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fonts_are_embedded_compressed_and_whole() {
        let mut page = Layout::new("test");
        page.paragraph("Nguyễn Thị Ánh", Weight::Bold, 12.0, BLACK, 0.0);
        page.paragraph(
            "Đorđević, Çelik, Ødegaard",
            Weight::Regular,
            10.0,
            BLACK,
            0.0,
        );
        let pdf = lopdf::Document::load_mem(&page.finish()).expect("a readable PDF");
        let mut fonts = Vec::new();
        for stream in pdf.objects.values().filter_map(|o| o.as_stream().ok()) {
            // A font program's stream says its own decoded length.
            let Ok(length) = stream.dict.get(b"Length1").and_then(lopdf::Object::as_i64) else {
                continue;
            };
            assert_eq!(stream.filters().ok(), Some(vec![b"FlateDecode".as_slice()]));
            let program = stream
                .decompressed_content()
                .expect("a valid deflate stream");
            assert_eq!(
                program.len() as i64,
                length,
                "the font stream holds its own font"
            );
            fonts.push(program);
        }
        fonts.sort_by_key(Vec::len);
        let mut expected = vec![REGULAR_TTF.to_vec(), BOLD_TTF.to_vec()];
        expected.sort_by_key(Vec::len);
        assert!(fonts == expected, "the two font programs, unchanged");
        // Every stream is compressed, not only the fonts.
        assert!(pdf.objects.values().all(|object| {
            object
                .as_stream()
                .map_or(true, |stream| stream.dict.has(b"Filter"))
        }));
    }
}
