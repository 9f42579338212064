//! The route table: every endpoint of API.md, its method and path, and the Lambda function that
//! serves it. The local stack routes with it, each function dispatches with it, and tests check
//! that `infra/template.yaml` and `infra/openapi.yaml` declare exactly these routes.

use lambda_http::http::Method;
use prenota_domain::{Code, Error, Result};

/// Declares an enum and its `ALL`, the one list of its variants, together: a variant cannot be
/// added without being listed.
macro_rules! listed {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$doc:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        pub enum $name { $($(#[$doc])* $variant,)* }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant),*];
        }
    };
}

listed! {
    /// The Lambda functions (one crate each under `functions/`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Function {
        Register,
        Activate,
        /// Sign in, sign out, `GET /me`, my data, erasing the account.
        Account,
        ResetPassword,
        /// Services, offices, availability.
        Catalogue,
        Book,
        Cancel,
        /// My bookings, one booking, its receipt, reschedule.
        Bookings,
        /// Checking a receipt's QR code, and the keys to check it offline.
        VerifyReceipt,
        /// The office's endpoints (`/office/…`).
        Office,
        /// Scheduled: the day's missed appointments become no-shows.
        EndOfDay,
        /// Scheduled: each office's nightly e-mail.
        Export,
        /// Scheduled: personal data past its retention, unused accounts (PD-1).
        Retention,
    }
}

impl Function {
    /// The crate and binary name, and the `Binary` of its SAM resource.
    pub fn binary(self) -> &'static str {
        match self {
            Function::Register => "register",
            Function::Activate => "activate",
            Function::Account => "account",
            Function::ResetPassword => "reset-password",
            Function::Catalogue => "catalogue",
            Function::Book => "book",
            Function::Cancel => "cancel",
            Function::Bookings => "bookings",
            Function::VerifyReceipt => "verify-receipt",
            Function::Office => "office",
            Function::EndOfDay => "end-of-day",
            Function::Export => "export",
            Function::Retention => "retention",
        }
    }

    /// Started by a schedule, not by HTTP requests.
    pub fn is_scheduled(self) -> bool {
        matches!(
            self,
            Function::EndOfDay | Function::Export | Function::Retention
        )
    }
}

listed! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Endpoint {
        Register,
        Activate,
        ResendActivation,
        Login,
        Logout,
        Me,
        MyData,
        EraseAccount,
        RequestPasswordReset,
        ConfirmPasswordReset,
        Services,
        Offices,
        Availability,
        CreateBooking,
        ListBookings,
        GetBooking,
        RescheduleBooking,
        CancelBooking,
        ReceiptPdf,
        VerifyReceipt,
        ReceiptKeys,
        OfficeOrganisations,
        ApproveOrganisation,
        RejectOrganisation,
        OfficeAgenda,
        CheckIn,
        OfficeReschedule,
        OfficeCancel,
        Closures,
        OfficeReports,
    }
}

impl Endpoint {
    /// Method, path (API Gateway's `{param}` syntax) and serving function.
    pub fn route(self) -> (Method, &'static str, Function) {
        use Function as F;
        match self {
            Endpoint::Register => (Method::POST, "/register", F::Register),
            Endpoint::Activate => (Method::POST, "/activate", F::Activate),
            Endpoint::ResendActivation => (Method::POST, "/activate/resend", F::Activate),
            Endpoint::Login => (Method::POST, "/login", F::Account),
            Endpoint::Logout => (Method::POST, "/logout", F::Account),
            Endpoint::Me => (Method::GET, "/me", F::Account),
            Endpoint::MyData => (Method::GET, "/me/data", F::Account),
            Endpoint::EraseAccount => (Method::DELETE, "/me", F::Account),
            Endpoint::RequestPasswordReset => (Method::POST, "/password-reset", F::ResetPassword),
            Endpoint::ConfirmPasswordReset => {
                (Method::POST, "/password-reset/confirm", F::ResetPassword)
            }
            Endpoint::Services => (Method::GET, "/services", F::Catalogue),
            Endpoint::Offices => (Method::GET, "/offices", F::Catalogue),
            Endpoint::Availability => (Method::GET, "/availability", F::Catalogue),
            Endpoint::CreateBooking => (Method::POST, "/bookings", F::Book),
            Endpoint::ListBookings => (Method::GET, "/bookings", F::Bookings),
            Endpoint::GetBooking => (Method::GET, "/bookings/{id}", F::Bookings),
            Endpoint::RescheduleBooking => (Method::POST, "/bookings/{id}/reschedule", F::Bookings),
            Endpoint::CancelBooking => (Method::DELETE, "/bookings/{id}", F::Cancel),
            Endpoint::ReceiptPdf => (Method::GET, "/bookings/{id}/receipt.pdf", F::Bookings),
            Endpoint::VerifyReceipt => (Method::GET, "/receipts/verify", F::VerifyReceipt),
            Endpoint::ReceiptKeys => (Method::GET, "/.well-known/receipt-keys", F::VerifyReceipt),
            Endpoint::OfficeOrganisations => (Method::GET, "/office/organisations", F::Office),
            Endpoint::ApproveOrganisation => (
                Method::POST,
                "/office/organisations/{id}/approve",
                F::Office,
            ),
            Endpoint::RejectOrganisation => {
                (Method::POST, "/office/organisations/{id}/reject", F::Office)
            }
            Endpoint::OfficeAgenda => (Method::GET, "/office/agenda", F::Office),
            Endpoint::CheckIn => (Method::POST, "/office/bookings/{id}/check-in", F::Office),
            Endpoint::OfficeReschedule => {
                (Method::POST, "/office/bookings/{id}/reschedule", F::Office)
            }
            Endpoint::OfficeCancel => (Method::DELETE, "/office/bookings/{id}", F::Office),
            Endpoint::Closures => (Method::POST, "/office/closures", F::Office),
            Endpoint::OfficeReports => (Method::GET, "/office/reports", F::Office),
        }
    }

    pub fn method(self) -> Method {
        self.route().0
    }

    pub fn path(self) -> &'static str {
        self.route().1
    }

    pub fn function(self) -> Function {
        self.route().2
    }
}

/// The answer of a function to an endpoint it does not serve (which `find_for` keeps from
/// reaching it): 404, as for any unknown route.
pub fn not_served(endpoint: Endpoint) -> Error {
    tracing::warn!(
        ?endpoint,
        "an endpoint reached a function that does not serve it"
    );
    Error::new(Code::NotFound)
}

/// An endpoint matched by a request, with the values of its path parameters.
#[derive(Debug, Clone)]
pub struct Matched {
    pub endpoint: Endpoint,
    params: Vec<(&'static str, String)>,
}

impl Matched {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The endpoint for a method and path; 404 when no route has that path and method.
pub fn find(method: &Method, path: &str) -> Result<Matched> {
    Endpoint::ALL
        .iter()
        .filter(|endpoint| endpoint.method() == *method)
        .find_map(|&endpoint| {
            match_path(endpoint.path(), path).map(|params| Matched { endpoint, params })
        })
        .ok_or_else(|| Error::new(Code::NotFound))
}

/// The endpoint, if `function` serves it (API Gateway only sends a function its own routes; a
/// stray request is 404 all the same).
pub fn find_for(function: Function, method: &Method, path: &str) -> Result<Matched> {
    find(method, path).and_then(|matched| {
        if matched.endpoint.function() == function {
            Ok(matched)
        } else {
            Err(Error::new(Code::NotFound))
        }
    })
}

fn match_path(pattern: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut pattern_segments = pattern.trim_matches('/').split('/');
    let mut path_segments = path
        .trim_end_matches('/')
        .trim_start_matches('/')
        .split('/');
    let mut params = Vec::new();
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return Some(params),
            (Some(expected), Some(actual)) => {
                if let Some(name) = expected
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                {
                    if actual.is_empty() {
                        return None;
                    }
                    params.push((name, crate::http::percent_decode(actual, false)?));
                } else if expected != actual {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_listed_once_and_reachable() {
        let mut seen = std::collections::HashSet::new();
        for &endpoint in Endpoint::ALL {
            assert!(
                seen.insert((endpoint.method(), endpoint.path())),
                "{endpoint:?} listed twice"
            );
            let concrete = endpoint.path().replace("{id}", "ABC123");
            assert_eq!(
                find(&endpoint.method(), &concrete).unwrap().endpoint,
                endpoint
            );
        }
    }

    #[test]
    fn unknown_paths_and_methods_are_not_found() {
        assert_eq!(
            find(&Method::GET, "/register").unwrap_err().code,
            Code::NotFound
        );
        assert_eq!(
            find(&Method::POST, "/nowhere").unwrap_err().code,
            Code::NotFound
        );
        assert_eq!(
            find(&Method::POST, "/activate/resend/x").unwrap_err().code,
            Code::NotFound
        );
    }

    #[test]
    fn a_function_answers_only_its_own_routes() {
        assert!(find_for(Function::Account, &Method::POST, "/login").is_ok());
        assert!(find_for(Function::Register, &Method::POST, "/login").is_err());
    }

    #[test]
    fn every_function_serves_requests_or_a_schedule() {
        for function in Function::ALL {
            let serves = Endpoint::ALL.iter().any(|e| e.function() == *function);
            assert_eq!(serves, !function.is_scheduled(), "{function:?}");
        }
    }
}
