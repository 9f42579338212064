//! Reading a JSON request body field by field, so that one answer names every bad field
//! (a wrong JSON type is a field problem, not a reason to reject the whole body).

use serde_json::{Map, Value};

use crate::error::{Code, Error, Problem, Problems, Result};

/// A JSON object being read, with the path prefix of its fields (`document.` for a nested one).
pub struct Form<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Form<'a> {
    /// The body must be a JSON object; anything else is a malformed request (400).
    pub fn new(body: &'a Value) -> Result<Self> {
        match body {
            Value::Object(object) => Ok(Form {
                object,
                prefix: String::new(),
            }),
            _ => Err(Error::new(Code::MalformedRequest)),
        }
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn raw(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|value| !value.is_null())
    }

    /// A string field, trimmed; an empty string counts as missing.
    pub fn optional_text(&self, problems: &mut Problems, name: &str) -> Option<&'a str> {
        match self.raw(name) {
            None => None,
            Some(Value::String(text)) => Some(text.trim()).filter(|text| !text.is_empty()),
            Some(_) => {
                problems.add(self.path(name), Problem::WrongType);
                None
            }
        }
    }

    pub fn text(&self, problems: &mut Problems, name: &str) -> Option<&'a str> {
        let text = self.optional_text(problems, name);
        let wrong_type = matches!(self.raw(name), Some(value) if !value.is_string());
        if text.is_none() && !wrong_type {
            problems.add(self.path(name), Problem::Required);
        }
        text
    }

    /// A required string parsed by `parse`; its problem is recorded under the field's path.
    pub fn parse<T>(
        &self,
        problems: &mut Problems,
        name: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, Problem>,
    ) -> Option<T> {
        let text = self.text(problems, name)?;
        problems.check(&self.path(name), parse(text))
    }

    pub fn parse_optional<T>(
        &self,
        problems: &mut Problems,
        name: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, Problem>,
    ) -> Option<T> {
        let text = self.optional_text(problems, name)?;
        problems.check(&self.path(name), parse(text))
    }

    /// A consent box: it must be present and `true`.
    pub fn accepted(&self, problems: &mut Problems, name: &str) -> bool {
        match self.raw(name) {
            Some(Value::Bool(true)) => true,
            Some(Value::Bool(false)) | None => {
                problems.add(self.path(name), Problem::MustAccept);
                false
            }
            Some(_) => {
                problems.add(self.path(name), Problem::WrongType);
                false
            }
        }
    }

    pub fn optional_bool(&self, problems: &mut Problems, name: &str) -> Option<bool> {
        match self.raw(name) {
            None => None,
            Some(Value::Bool(flag)) => Some(*flag),
            Some(_) => {
                problems.add(self.path(name), Problem::WrongType);
                None
            }
        }
    }

    /// A nested object; its fields are reported as `name.field`.
    pub fn object(&self, problems: &mut Problems, name: &str) -> Option<Form<'a>> {
        match self.raw(name) {
            Some(Value::Object(object)) => Some(Form {
                object,
                prefix: format!("{}{name}.", self.prefix),
            }),
            None => {
                problems.add(self.path(name), Problem::Required);
                None
            }
            Some(_) => {
                problems.add(self.path(name), Problem::WrongType);
                None
            }
        }
    }

    pub fn optional_object(&self, problems: &mut Problems, name: &str) -> Option<Form<'a>> {
        self.raw(name)?;
        self.object(problems, name)
    }

    /// An optional array of objects; element `i` is reported as `name.i.field`.
    pub fn objects(&self, problems: &mut Problems, name: &str) -> Vec<Form<'a>> {
        match self.raw(name) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Value::Object(object) => Some(Form {
                        object,
                        prefix: format!("{}{name}.{index}.", self.prefix),
                    }),
                    _ => {
                        problems.add(format!("{}{name}.{index}", self.prefix), Problem::WrongType);
                        None
                    }
                })
                .collect(),
            Some(_) => {
                problems.add(self.path(name), Problem::WrongType);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_named_with_its_path() {
        let body = json!({"surname": 7, "document": {"number": ""}, "accept_terms": false});
        let form = Form::new(&body).unwrap();
        let mut problems = Problems::default();
        assert_eq!(form.text(&mut problems, "surname"), None);
        let document = form.object(&mut problems, "document").unwrap();
        assert_eq!(document.text(&mut problems, "number"), None);
        assert!(!form.accepted(&mut problems, "accept_terms"));
        assert_eq!(form.text(&mut problems, "email"), None);
        let error = problems.into_result().unwrap_err();
        assert_eq!(error.fields["surname"], Problem::WrongType);
        assert_eq!(error.fields["document.number"], Problem::Required);
        assert_eq!(error.fields["accept_terms"], Problem::MustAccept);
        assert_eq!(error.fields["email"], Problem::Required);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_malformed() {
        assert_eq!(
            Form::new(&json!([1, 2])).err().unwrap().code,
            Code::MalformedRequest
        );
    }
}
