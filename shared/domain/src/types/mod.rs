//! Value types whose only constructor checks the input: once built, they are valid.

mod contact;
mod fiscal;
mod person;

pub use contact::{Cap, Email, Phone, is_invisible_format, text_line};
pub use fiscal::FiscalCode;
pub use person::{
    Country, DocumentNumber, DocumentType, IdentityDocument, Name, Sex, age_on, birth_date, date,
    transliterate,
};
