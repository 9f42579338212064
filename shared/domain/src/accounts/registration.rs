//! `POST /register`: every field of a person (ACC-1) or of an organisation (ACC-4) parsed into
//! its domain type, every problem reported under the field's path in one answer.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::accounts::{
    Consents, Holder, Organisation, PRIVACY_NOTICE_VERSION, Person, TERMS_VERSION,
};
use crate::error::{Problem, Problems, Result};
use crate::input::Form;
use crate::limits;
use crate::secrets::Password;
use crate::texts::Language;
use crate::types::{
    Cap, Country, DocumentNumber, DocumentType, Email, FiscalCode, IdentityDocument, Name, Phone,
    Sex, age_on, birth_date, text_line,
};

/// A person must be at least this old to hold an account; younger children are booked with a
/// parent (BK-8).
pub const MIN_ACCOUNT_AGE: u32 = 14;

/// A registration that passed every check.
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub language: Language,
    pub holder: Holder,
    pub consents: Consents,
}

/// `offices`: the ids of the offices an organisation may choose as its Questura.
pub fn parse_registration(
    body: &Value,
    today: NaiveDate,
    now: DateTime<Utc>,
    offices: &[&str],
) -> Result<Registration> {
    let form = Form::new(body)?;
    let mut problems = Problems::default();
    let kind = form.text(&mut problems, "kind");
    let email = form.parse(&mut problems, "email", Email::parse);
    let password_text = form.text(&mut problems, "password");
    let language = form
        .parse_optional(&mut problems, "language", Language::parse)
        .unwrap_or_default();
    let holder = match kind {
        Some("person") => parse_person(&form, &mut problems, today),
        Some("organisation") => parse_organisation(&form, &mut problems, email.as_ref(), offices),
        Some(_) => {
            problems.add("kind", Problem::UnknownValue);
            None
        }
        None => None,
    };
    let password = password_text
        .and_then(|text| problems.check("password", Password::parse(text, email.as_ref())));
    let terms = form.accepted(&mut problems, "accept_terms");
    let privacy = form.accepted(&mut problems, "accept_privacy");
    // A portal showing an older notice must not record consent to the current one.
    for (field, current) in [
        ("terms_version", TERMS_VERSION),
        ("privacy_notice_version", PRIVACY_NOTICE_VERSION),
    ] {
        if form
            .optional_text(&mut problems, field)
            .is_some_and(|version| version != current)
        {
            problems.add(field, Problem::UnknownValue);
        }
    }
    problems.into_result()?;
    let (Some(email), Some(password), Some(holder), true, true) =
        (email, password, holder, terms, privacy)
    else {
        unreachable!("every missing part recorded a problem")
    };
    let consents = Consents {
        terms_version: TERMS_VERSION.into(),
        privacy_notice_version: PRIVACY_NOTICE_VERSION.into(),
        accepted_at: now,
    };
    Ok(Registration {
        email,
        password,
        language,
        holder,
        consents,
    })
}

fn parse_person(form: &Form, problems: &mut Problems, today: NaiveDate) -> Option<Holder> {
    let surname = form.parse(problems, "surname", Name::parse);
    let given_names = form.parse(problems, "given_names", Name::parse);
    let birth = form.parse(problems, "birth_date", |text| {
        let date = birth_date(text, today)?;
        if age_on(date, today) < MIN_ACCOUNT_AGE {
            Err(Problem::TooYoung)
        } else {
            Ok(date)
        }
    });
    let sex = form.parse(problems, "sex", Sex::parse);
    let citizenship = form.parse(problems, "citizenship", Country::parse);
    let document = parse_document(form, problems, "document", true);
    let address = form.parse(problems, "address", |text| {
        text_line(text, limits::ADDRESS_CHARS)
    });
    let municipality = form.parse(problems, "municipality", |text| {
        text_line(text, limits::MUNICIPALITY_CHARS)
    });
    let cap = form.parse(problems, "cap", Cap::parse);
    let phone = form.parse(problems, "phone", Phone::parse);
    Some(Holder::Person(Person {
        surname: surname?,
        given_names: given_names?,
        birth_date: birth?,
        sex: sex?,
        citizenship: citizenship?,
        document: document?,
        address: address?,
        municipality: municipality?,
        cap: cap?,
        phone: phone?,
    }))
}

/// An identity document under `name` (`document.type`, `document.number`,
/// `document.issuing_country`).
pub fn parse_document(
    form: &Form,
    problems: &mut Problems,
    name: &str,
    required: bool,
) -> Option<IdentityDocument> {
    let document = if required {
        form.object(problems, name)?
    } else {
        form.optional_object(problems, name)?
    };
    let kind = document.parse(problems, "type", DocumentType::parse);
    let number = document.parse(problems, "number", DocumentNumber::parse);
    let issuing_country = document.parse(problems, "issuing_country", Country::parse);
    Some(IdentityDocument {
        kind: kind?,
        number: number?,
        issuing_country: issuing_country?,
    })
}

fn parse_organisation(
    form: &Form,
    problems: &mut Problems,
    email: Option<&Email>,
    offices: &[&str],
) -> Option<Holder> {
    let name = form.parse(problems, "name", |text| {
        text_line(text, limits::ORGANISATION_NAME_CHARS)
    });
    let fiscal_code = form.parse(problems, "fiscal_code", FiscalCode::parse);
    let address = form.parse(problems, "address", |text| {
        text_line(text, limits::ADDRESS_CHARS)
    });
    let municipality = form.parse(problems, "municipality", |text| {
        text_line(text, limits::MUNICIPALITY_CHARS)
    });
    let cap = form.parse(problems, "cap", Cap::parse);
    let pec = form.parse(problems, "pec", Email::parse);
    let phone = form.parse(problems, "phone", Phone::parse);
    let office = form.parse(problems, "office", |id| {
        offices
            .iter()
            .find(|known| **known == id)
            .map(|id| (*id).to_owned())
            .ok_or(Problem::UnknownId)
    });
    // Each address is proven by its own link: they must be two addresses.
    if let (Some(pec), Some(email)) = (&pec, email)
        && pec == email
    {
        problems.add("pec", Problem::Invalid);
    }
    Some(Holder::Organisation(Organisation {
        name: name?,
        fiscal_code: fiscal_code?,
        address: address?,
        municipality: municipality?,
        cap: cap?,
        pec: pec?,
        phone: phone?,
        office: office?,
        email_verified: false,
        pec_verified: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn person() -> Value {
        json!({ "kind": "person", "surname": "Rossi", "given_names": "Amina", "birth_date": "1990-04-12",
            "sex": "F", "citizenship": "MA",
            "document": { "type": "passport", "number": "YA1234567", "issuing_country": "MA" },
            "address": "Via Padova 21", "municipality": "Milano", "cap": "20127",
            "email": "amina@example.org", "phone": "+393331234567", "password": "corretto cavallo batteria",
            "accept_terms": true, "accept_privacy": true, "language": "it" })
    }

    fn problems_of(body: Value) -> std::collections::BTreeMap<String, Problem> {
        let error = parse_registration(&body, today(), Utc::now(), &["milano", "alessandria"])
            .err()
            .expect("refused");
        assert_eq!(error.code, Code::ValidationFailed);
        error.fields
    }

    #[test]
    fn a_complete_person_registers() {
        let registration = parse_registration(&person(), today(), Utc::now(), &["milano"]).unwrap();
        assert_eq!(registration.email.as_str(), "amina@example.org");
        let Holder::Person(person) = registration.holder else {
            panic!()
        };
        assert_eq!(person.document.identity_key(), "MA:YA1234567");
        assert_eq!(
            registration.consents.privacy_notice_version,
            PRIVACY_NOTICE_VERSION
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let fields = problems_of(
            json!({ "kind": "person", "surname": "R2D2", "birth_date": "2030-01-01",
            "sex": "Q", "citizenship": "XX", "document": { "type": "visa", "number": "1" },
            "cap": "123", "email": "not-an-email", "phone": "abc", "password": "short",
            "accept_terms": false }),
        );
        let expected = [
            ("surname", Problem::Invalid),
            ("given_names", Problem::Required),
            ("birth_date", Problem::InFuture),
            ("sex", Problem::UnknownValue),
            ("citizenship", Problem::UnknownValue),
            ("document.type", Problem::UnknownValue),
            ("document.number", Problem::TooShort { min: 5 }),
            ("document.issuing_country", Problem::Required),
            ("address", Problem::Required),
            ("municipality", Problem::Required),
            ("cap", Problem::InvalidCap),
            ("email", Problem::InvalidEmail),
            ("phone", Problem::InvalidPhone),
            ("password", Problem::TooShort { min: 10 }),
            ("accept_terms", Problem::MustAccept),
            ("accept_privacy", Problem::MustAccept),
        ];
        for (field, problem) in expected {
            assert_eq!(fields.get(field), Some(&problem), "{field}");
        }
        assert_eq!(fields.len(), expected.len(), "{fields:?}");
    }

    #[test]
    fn a_child_under_14_cannot_hold_an_account() {
        let mut body = person();
        body["birth_date"] = json!("2013-01-01");
        assert_eq!(problems_of(body)["birth_date"], Problem::TooYoung);
    }

    #[test]
    fn the_password_cannot_be_the_email() {
        let mut body = person();
        body["password"] = json!("AMINA@example.org");
        assert_eq!(problems_of(body)["password"], Problem::SameAsEmail);
    }

    #[test]
    fn an_outdated_privacy_notice_is_refused() {
        let mut body = person();
        body["privacy_notice_version"] = json!("2019-01");
        assert_eq!(
            problems_of(body)["privacy_notice_version"],
            Problem::UnknownValue
        );
    }

    #[test]
    fn organisations_need_a_valid_fiscal_code_and_a_distinct_pec() {
        let body = json!({ "kind": "organisation", "name": "Associazione Aiuto", "fiscal_code": "12345678901",
            "address": "Via Roma 1", "municipality": "Milano", "cap": "20125", "email": "ente@example.org",
            "pec": "ENTE@example.org", "phone": "02 1234567", "password": "corretto cavallo batteria",
            "accept_terms": true, "accept_privacy": true, "office": "torino" });
        let fields = problems_of(body);
        assert_eq!(fields["fiscal_code"], Problem::BadCheckCharacter);
        assert_eq!(fields["pec"], Problem::Invalid);
        assert_eq!(fields["office"], Problem::UnknownId);
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn an_unknown_kind_is_named() {
        let mut body = person();
        body["kind"] = json!("company");
        assert_eq!(problems_of(body)["kind"], Problem::UnknownValue);
    }
}
