//! The route table: every endpoint of API.md, its method and path, and the Lambda function that
//! serves it. The local stack routes with it ([`find`], the flat [`Endpoint`]), each function
//! dispatches with it ([`find_for`], its own enum: `AccountEndpoint`, …, matched exhaustively),
//! and tests check that `infra/template.yaml` and `infra/openapi.yaml` declare exactly these
//! routes.

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
        /// Scheduled: each appointment's reminder, two days before.
        Reminders,
        /// The outbox's notices: from the table's stream, and every minute those due.
        Notifier,
        /// SES's bounces and complaints, through SNS.
        MailFeedback,
        /// The extraordinary closures' jobs: from the table's stream, and every minute those open.
        Closures,
        /// Releases by draw: entering, the caller's entries, offers answered, the published
        /// draw; the office opens and follows its releases (`/office/releases`).
        Draws,
        /// Scheduled, every minute: the draws whose window closed, and the waiting lists.
        DrawRuns,
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
            Function::Reminders => "reminders",
            Function::Notifier => "notifier",
            Function::MailFeedback => "mail-feedback",
            Function::Closures => "closures",
            Function::Draws => "draws",
            Function::DrawRuns => "draw-runs",
        }
    }

    /// Started by a schedule, the table's stream or SNS, not by HTTP requests.
    pub fn is_scheduled(self) -> bool {
        matches!(
            self,
            Function::EndOfDay
                | Function::Export
                | Function::Retention
                | Function::Reminders
                | Function::Notifier
                | Function::MailFeedback
                | Function::Closures
                | Function::DrawRuns
        )
    }
}

/// Declares the route table, grouped by the function that serves each endpoint: the flat
/// [`Endpoint`] (with its `ALL` and `route()`) and, per function, an enum of its own endpoints
/// only (implementing [`Endpoints`]). A route added to a function's group is a new variant of
/// its enum, and that function's dispatcher (an exhaustive `match`, no catch-all) stops
/// compiling until it handles it.
macro_rules! routes {
    ($(
        $(#[$doc:meta])*
        $function:ident => $served:ident {
            $($variant:ident: $method:ident $path:literal,)*
        }
    )*) => {
        listed! {
            /// Every endpoint of the API.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Endpoint { $($($variant,)*)* }
        }

        impl Endpoint {
            /// Method, path (API Gateway's `{param}` syntax) and serving function.
            pub fn route(self) -> (Method, &'static str, Function) {
                match self {
                    $($(Endpoint::$variant => (Method::$method, $path, Function::$function),)*)*
                }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $served { $($variant,)* }

            impl From<$served> for Endpoint {
                fn from(endpoint: $served) -> Endpoint {
                    match endpoint {
                        $($served::$variant => Endpoint::$variant,)*
                    }
                }
            }

            impl Endpoints for $served {
                const FUNCTION: Function = Function::$function;

                fn of(endpoint: Endpoint) -> Option<Self> {
                    match endpoint {
                        $(Endpoint::$variant => Some($served::$variant),)*
                        _ => None,
                    }
                }
            }
        )*
    };
}

/// The endpoints one function serves (generated by the route table, one enum per function).
pub trait Endpoints: Copy + Into<Endpoint> + Sized {
    /// The function that serves them.
    const FUNCTION: Function;

    /// The endpoint as this function's, if it serves it.
    fn of(endpoint: Endpoint) -> Option<Self>;
}

routes! {
    /// `functions/register`.
    Register => RegisterEndpoint {
        Register: POST "/register",
    }
    /// `functions/activate`.
    Activate => ActivateEndpoint {
        Activate: POST "/activate",
        ResendActivation: POST "/activate/resend",
    }
    /// `functions/account`.
    Account => AccountEndpoint {
        Login: POST "/login",
        Logout: POST "/logout",
        Me: GET "/me",
        MyData: GET "/me/data",
        EraseAccount: DELETE "/me",
    }
    /// `functions/reset-password`.
    ResetPassword => ResetPasswordEndpoint {
        RequestPasswordReset: POST "/password-reset",
        ConfirmPasswordReset: POST "/password-reset/confirm",
    }
    /// `functions/catalogue`.
    Catalogue => CatalogueEndpoint {
        Services: GET "/services",
        Offices: GET "/offices",
        Availability: GET "/availability",
    }
    /// `functions/book`.
    Book => BookEndpoint {
        CreateBooking: POST "/bookings",
    }
    /// `functions/bookings`.
    Bookings => BookingsEndpoint {
        ListBookings: GET "/bookings",
        GetBooking: GET "/bookings/{id}",
        RescheduleBooking: POST "/bookings/{id}/reschedule",
        ReceiptPdf: GET "/bookings/{id}/receipt.pdf",
    }
    /// `functions/cancel`.
    Cancel => CancelEndpoint {
        CancelBooking: DELETE "/bookings/{id}",
    }
    /// `functions/verify-receipt`.
    VerifyReceipt => VerifyReceiptEndpoint {
        VerifyReceipt: GET "/receipts/verify",
        ReceiptKeys: GET "/.well-known/receipt-keys",
    }
    /// `functions/office`.
    Office => OfficeEndpoint {
        OfficeOrganisations: GET "/office/organisations",
        ApproveOrganisation: POST "/office/organisations/{id}/approve",
        RejectOrganisation: POST "/office/organisations/{id}/reject",
        OfficeAgenda: GET "/office/agenda",
        CheckIn: POST "/office/bookings/{id}/check-in",
        OfficeReschedule: POST "/office/bookings/{id}/reschedule",
        OfficeCancel: DELETE "/office/bookings/{id}",
        Closures: POST "/office/closures",
        ClosureProgress: GET "/office/closures/{id}",
        OfficeReports: GET "/office/reports",
    }
    /// `functions/draws`.
    Draws => DrawsEndpoint {
        Releases: GET "/releases",
        GetRelease: GET "/releases/{id}",
        PublishedDraw: GET "/releases/{id}/draw",
        EnterDraw: POST "/releases/{id}/entries",
        MyEntries: GET "/entries",
        AcceptOffer: POST "/entries/{id}/accept",
        DeclineOffer: POST "/entries/{id}/decline",
        OpenRelease: POST "/office/releases",
        OfficeReleases: GET "/office/releases",
        OfficeRelease: GET "/office/releases/{id}",
    }
}

impl Endpoint {
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

/// An endpoint matched by a request (an [`Endpoint`], or one function's own), with the values
/// of its path parameters.
#[derive(Debug, Clone)]
pub struct Matched<E = Endpoint> {
    pub endpoint: E,
    params: Vec<(&'static str, String)>,
}

impl<E> Matched<E> {
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

/// The endpoint as one of `E`'s, the function's own (API Gateway only sends a function its own
/// routes; a stray request is 404 all the same): `find_for::<AccountEndpoint>(method, path)`.
pub fn find_for<E: Endpoints>(method: &Method, path: &str) -> Result<Matched<E>> {
    let Matched { endpoint, params } = find(method, path)?;
    match E::of(endpoint) {
        Some(endpoint) => Ok(Matched { endpoint, params }),
        None => {
            tracing::warn!(
                ?endpoint,
                function = ?E::FUNCTION,
                "an endpoint reached a function that does not serve it"
            );
            Err(Error::new(Code::NotFound))
        }
    }
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
                    params.push((name, crate::http::percent_decode(actual)?));
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
        assert_eq!(
            find_for::<AccountEndpoint>(&Method::POST, "/login")
                .unwrap()
                .endpoint,
            AccountEndpoint::Login
        );
        assert!(find_for::<RegisterEndpoint>(&Method::POST, "/login").is_err());
        let matched = find_for::<OfficeEndpoint>(&Method::POST, "/office/bookings/A%2FB/check-in");
        assert_eq!(matched.unwrap().param("id"), Some("A/B"));
    }

    /// Each endpoint is exactly one function's, in that function's own enum.
    #[test]
    fn every_endpoint_is_its_functions_own() {
        fn check<E: Endpoints>(endpoint: Endpoint) -> bool {
            let own = E::of(endpoint);
            assert_eq!(
                own.is_some(),
                endpoint.function() == E::FUNCTION,
                "{endpoint:?}"
            );
            own.is_some_and(|own| own.into() == endpoint)
        }
        for &endpoint in Endpoint::ALL {
            let owners = [
                check::<RegisterEndpoint>(endpoint),
                check::<ActivateEndpoint>(endpoint),
                check::<AccountEndpoint>(endpoint),
                check::<ResetPasswordEndpoint>(endpoint),
                check::<CatalogueEndpoint>(endpoint),
                check::<BookEndpoint>(endpoint),
                check::<BookingsEndpoint>(endpoint),
                check::<CancelEndpoint>(endpoint),
                check::<VerifyReceiptEndpoint>(endpoint),
                check::<OfficeEndpoint>(endpoint),
                check::<DrawsEndpoint>(endpoint),
            ];
            assert_eq!(owners.iter().filter(|own| **own).count(), 1, "{endpoint:?}");
        }
    }

    #[test]
    fn every_function_serves_requests_or_a_schedule() {
        for function in Function::ALL {
            let serves = Endpoint::ALL.iter().any(|e| e.function() == *function);
            assert_eq!(serves, !function.is_scheduled(), "{function:?}");
        }
    }
}
