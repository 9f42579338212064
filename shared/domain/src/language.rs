//! The languages Prenota speaks: Italian and English in every message a person reads (the
//! portal adds French and Arabic).

use serde::{Deserialize, Serialize};

use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    It,
    En,
}

impl Language {
    pub fn parse(input: &str) -> Result<Language, Problem> {
        match input.trim().to_lowercase().as_str() {
            "it" => Ok(Language::It),
            "en" => Ok(Language::En),
            _ => Err(Problem::UnknownValue),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::It => "it",
            Language::En => "en",
        }
    }

    /// The preferred of Italian and English in an `Accept-Language` header; Italian if neither.
    pub fn from_accept_language(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::It;
        };
        let mut best: Option<(f32, Language)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim().to_lowercase();
            let quality = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Ok(language) = Language::parse(primary) else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, language));
            }
        }
        best.map_or(Language::It, |(_, language)| language)
    }

    /// Both languages, this one first: the order of an e-mail's sections.
    pub fn with_other(self) -> [Language; 2] {
        match self {
            Language::It => [Language::It, Language::En],
            Language::En => [Language::En, Language::It],
        }
    }
}
