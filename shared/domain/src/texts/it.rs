//! Testi in italiano.

use chrono::{Datelike, NaiveDate};

use super::{AddressKind, Appointment, DrawNews, ExportLabels, MailText, ReceiptLabels, Texts};
use crate::error::{Code, Problem};

pub struct Italian;

impl Italian {
    /// A mail about an appointment still to come (confirmed, or two days on): the summary, what
    /// to bring, and the button to its page, where it can be cancelled.
    fn appointment_ahead(
        &self,
        subject: String,
        lead: String,
        a: &Appointment,
        link: &str,
    ) -> MailText {
        MailText {
            subject,
            paragraphs: vec![lead],
            summary: self.appointment_summary(a),
            lists: self.appointment_lists(a),
            closing: vec![
                self.arrive_early().into(),
                "Se non puoi presentarti, disdici l'appuntamento dalla sua pagina: il posto andrà \
                 a un'altra persona."
                    .into(),
            ],
            action: Some(("Vedi o disdici l'appuntamento".into(), link.into())),
        }
    }
}

impl Texts for Italian {
    fn language(&self) -> crate::Language {
        crate::Language::It
    }

    fn error(&self, code: Code) -> &'static str {
        match code {
            Code::PayloadTooLarge => "La richiesta è troppo grande.",
            Code::MalformedRequest => {
                "La richiesta non è leggibile: il corpo deve essere un oggetto JSON valido."
            }
            Code::ValidationFailed => "Alcuni dati non sono validi: correggi i campi indicati.",
            Code::Unauthenticated => {
                "Accedi per continuare: la sessione manca, è scaduta o è stata chiusa."
            }
            Code::InvalidCredentials => "E-mail o password non corrette.",
            Code::NotActivated => {
                "L'account non è ancora attivo: apri il link di attivazione che ti abbiamo inviato per e-mail."
            }
            Code::AwaitingApproval => "L'ente è in attesa dell'approvazione della Questura.",
            Code::OrganisationRejected => {
                "La Questura non ha approvato la registrazione di questo ente."
            }
            Code::Forbidden => "Non hai il permesso di eseguire questa operazione.",
            Code::ServiceNotBookable => {
                "Questo servizio non è prenotabile da questo tipo di account."
            }
            Code::NotFound => "Non trovato.",
            Code::EmailTaken => "Questo indirizzo e-mail è già stato utilizzato.",
            Code::DocumentTaken => "Questo documento è già stato utilizzato.",
            Code::FiscalCodeTaken => "Questo codice fiscale o partita IVA è già stato utilizzato.",
            Code::SlotFull => "L'orario scelto non è più disponibile.",
            Code::AlreadyBooked => {
                "Questa persona ha già un appuntamento attivo per questo servizio."
            }
            Code::AlreadyEntered => "Questa persona partecipa già a questo sorteggio.",
            Code::OfferClosed => {
                "Questo posto non è più offerto: l’offerta ha già avuto risposta o è scaduta."
            }
            Code::NoAvailability => "Non ci sono posti disponibili nel periodo richiesto.",
            Code::BookingClosed => "Questo appuntamento non può più essere modificato.",
            Code::IdempotencyKeyReused => {
                "Questa chiave di idempotenza è già stata usata per una richiesta diversa."
            }
            Code::NotPending => "Questo ente non è in attesa di una decisione.",
            Code::LinkInvalid => {
                "Il link è scaduto o è già stato utilizzato. Richiedine uno nuovo."
            }
            Code::RateLimited => "Troppe richieste. Riprova più tardi.",
            Code::TooManyChanges => "Troppe prenotazioni o modifiche oggi per questa persona.",
            Code::Busy => {
                "Molte persone stanno prenotando in questo momento: riprova tra pochi secondi, la tua richiesta è valida."
            }
            Code::Unavailable => {
                "Servizio momentaneamente non disponibile: non è stato modificato nulla. Riprova tra poco."
            }
            Code::Internal => "Si è verificato un errore interno. Riprova più tardi.",
        }
    }

    fn problem(&self, problem: Problem) -> String {
        match problem {
            Problem::Required => "obbligatorio".into(),
            Problem::WrongType => "formato non valido".into(),
            Problem::Invalid => "non valido".into(),
            Problem::TooShort { min } => format!("almeno {min} caratteri"),
            Problem::TooLong { max } => format!("al massimo {max} caratteri"),
            Problem::InvalidEmail => "indirizzo e-mail non valido".into(),
            Problem::InvalidPhone => "numero di telefono non valido".into(),
            Problem::InvalidCap => "il CAP deve avere 5 cifre".into(),
            Problem::BadCheckCharacter => "carattere di controllo errato".into(),
            Problem::InvalidDate => "data non valida (AAAA-MM-GG)".into(),
            Problem::InvalidTime => "orario non valido (HH:MM)".into(),
            Problem::InFuture => "non può essere nel futuro".into(),
            Problem::InPast => "non può essere nel passato".into(),
            Problem::Implausible => "data non plausibile".into(),
            Problem::TooYoung => "i minori di 14 anni si prenotano insieme a un genitore".into(),
            Problem::SameAsEmail => "non può coincidere con l'indirizzo e-mail".into(),
            Problem::MustAccept => "deve essere accettato".into(),
            Problem::UnknownValue => "valore non ammesso".into(),
            Problem::AlreadyUsed => "già utilizzato".into(),
            Problem::UnknownId => "sconosciuto".into(),
            Problem::Closed => "l'ufficio è chiuso in questa data".into(),
            Problem::NotOpen => "le iscrizioni non sono aperte".into(),
            Problem::NotASlot => "orario non previsto per questa data".into(),
            Problem::NotOffered => "il servizio non è erogato in questa sede".into(),
            Problem::NotAllowed => "non ammesso per questo tipo di account".into(),
            Problem::NotAChild => {
                "si possono aggiungere solo figli minori di 14 anni nel giorno dell'appuntamento"
                    .into()
            }
            Problem::TooFar { days } => format!("si può prenotare al massimo {days} giorni prima"),
            Problem::Needs(field) => format!("richiede anche il campo {field}"),
            Problem::TooMany { max } => format!("si può indicare al massimo {max} elementi"),
        }
    }

    fn greeting(&self, name: &str) -> String {
        if name.is_empty() {
            "Buongiorno,".into()
        } else {
            format!("Gentile {name},")
        }
    }

    fn signature(&self) -> &'static str {
        "Prenota – Uffici Immigrazione delle Questure"
    }

    fn ignore_if_not_you(&self) -> &'static str {
        "Se non hai richiesto tu questa operazione, ignora questo messaggio."
    }

    fn date(&self, date: NaiveDate) -> String {
        const DAYS: [&str; 7] = [
            "lunedì",
            "martedì",
            "mercoledì",
            "giovedì",
            "venerdì",
            "sabato",
            "domenica",
        ];
        const MONTHS: [&str; 12] = [
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ];
        let day = DAYS[date.weekday().num_days_from_monday() as usize];
        format!(
            "{day} {} {} {}",
            date.day(),
            MONTHS[date.month0() as usize],
            date.year()
        )
    }

    fn arrive_early(&self) -> &'static str {
        "Presentati almeno 10 minuti prima dell'orario indicato: se non sarai presente quando verrà chiamato il \
         tuo numero, la prenotazione verrà cancellata."
    }

    fn receipt_labels(&self) -> ReceiptLabels {
        ReceiptLabels {
            title: "Ricevuta di prenotazione",
            number: "Numero di prenotazione",
            appointment: "Appuntamento",
            place: "Sede",
            service: "Servizio",
            person: "Persona",
            born: "nata/o il",
            document: "Documento",
            children: "Figli minori di 14 anni",
            documents: "Documenti da portare",
            payments: "Pagamenti",
            public_act: "Questa ricevuta è un atto pubblico emesso dalla Polizia di Stato: i dati non possono essere \
                         modificati. Il codice QR ne permette la verifica.",
            issued: "Emessa il",
        }
    }

    fn document_type(&self, kind: crate::types::DocumentType) -> &'static str {
        use crate::types::DocumentType;
        match kind {
            DocumentType::Passport => "Passaporto",
            DocumentType::IdentityCard => "Carta d'identità",
            DocumentType::ResidencePermit => "Permesso di soggiorno",
            DocumentType::TravelDocument => "Documento di viaggio",
        }
    }

    fn export_labels(&self) -> ExportLabels {
        ExportLabels {
            number: "Numero",
            date: "Data",
            time: "Ora",
            site: "Sede",
            service: "Servizio",
            surname: "Cognome",
            given_names: "Nome",
            birth_date: "Data di nascita",
            document: "Documento",
            children: "Figli",
            booked_by: "Prenotato da",
            status: "Stato",
            created_at: "Creata il",
            agenda: "Agenda di",
            no_appointments: "Nessun appuntamento.",
            person: "persona",
            organisation: "ente",
            office: "ufficio",
        }
    }

    fn booking_status(&self, status: crate::bookings::BookingStatus) -> &'static str {
        use crate::bookings::BookingStatus;
        match status {
            BookingStatus::Active => "attivo",
            BookingStatus::Cancelled => "cancellato",
            BookingStatus::CheckedIn => "presentato",
            BookingStatus::NoShow => "assente",
        }
    }

    fn office_welcome(&self, office: &str, link: &str, valid_hours: i64) -> MailText {
        MailText {
            subject: "Il tuo account di Prenota per l'ufficio".into(),
            paragraphs: vec![
                format!("è stato creato per te un account di Prenota per l'ufficio «{office}»."),
                format!(
                    "Scegli la tua password con questo link, valido {valid_hours} ore e utilizzabile una sola volta."
                ),
            ],
            action: Some(("Scegli la password".into(), link.into())),
            ..MailText::default()
        }
    }

    fn organisation_decided(&self, rejected_because: Option<&str>) -> MailText {
        match rejected_because {
            None => MailText {
                subject: "Ente approvato dalla Questura".into(),
                paragraphs: vec![
                    "la Questura ha approvato la registrazione del vostro ente.".into(),
                    "Ora potete accedere a Prenota e prenotare gli appuntamenti per le persone che assistete.".into(),
                ],
                action: None,
                ..MailText::default()
            },
            Some(reason) => MailText {
                subject: "Registrazione dell'ente non approvata".into(),
                paragraphs: vec![
                    "la Questura non ha approvato la registrazione del vostro ente.".into(),
                    format!("Motivo: {reason}"),
                    "Per chiarimenti rivolgetevi all'Ufficio Immigrazione della Questura.".into(),
                ],
                action: None,
                ..MailText::default()
            },
        }
    }

    fn office_export(
        &self,
        day: NaiveDate,
        next: NaiveDate,
        created: usize,
        agenda: usize,
    ) -> MailText {
        MailText {
            subject: format!(
                "Prenota – prenotazioni del {} e agenda del {}",
                day.format("%d/%m/%Y"),
                next.format("%d/%m/%Y")
            ),
            paragraphs: vec![
                format!(
                    "in allegato le {created} prenotazioni fissate {} (CSV).",
                    self.date(day)
                ),
                format!(
                    "e l'agenda di {} con {agenda} appuntamenti, per sede (CSV e PDF da stampare).",
                    self.date(next)
                ),
            ],
            action: None,
            ..MailText::default()
        }
    }

    fn receipt_attached(&self) -> &'static str {
        "In allegato la ricevuta da presentare allo sportello il giorno dell'appuntamento."
    }

    fn appointment_summary(&self, a: &Appointment) -> Vec<(String, String)> {
        let mut rows = vec![
            (
                "Quando".into(),
                format!("{} alle {}", self.date(a.date), a.time),
            ),
            ("Dove".into(), format!("{}, {}", a.site, a.address)),
            ("Servizio".into(), a.service.clone()),
            ("Persona".into(), a.person.clone()),
        ];
        if !a.children.is_empty() {
            rows.push(("Figli".into(), a.children.join(", ")));
        }
        rows.push(("Numero di prenotazione".into(), a.number.clone()));
        if let Some(reason) = &a.office_reason {
            rows.push(("Motivo indicato dall'ufficio".into(), reason.clone()));
        }
        rows
    }

    fn appointment_lists(&self, a: &Appointment) -> Vec<(String, Vec<String>)> {
        let mut lists = vec![("Documenti da portare".into(), a.documents.clone())];
        if !a.fees.is_empty() {
            lists.push(("Pagamenti".into(), a.fees.clone()));
        }
        lists
    }

    fn booking_confirmed(&self, a: &Appointment, link: &str) -> MailText {
        self.appointment_ahead(
            format!("Prenotazione confermata – {}", self.date(a.date)),
            "la tua prenotazione è confermata.".into(),
            a,
            link,
        )
    }

    fn booking_moved(&self, a: &Appointment, link: &str) -> MailText {
        MailText {
            subject: format!("Appuntamento spostato al {}", self.date(a.date)),
            paragraphs: vec!["il tuo appuntamento è stato spostato. Ecco i nuovi dati:".into()],
            summary: self.appointment_summary(a),
            lists: self.appointment_lists(a),
            closing: vec![self.arrive_early().into()],
            action: Some(("Vedi o disdici l'appuntamento".into(), link.into())),
        }
    }

    fn booking_cancelled(&self, a: &Appointment) -> MailText {
        let mut paragraphs = vec![format!(
            "l'appuntamento n. {} per «{}» del {} alle {} è stato cancellato.",
            a.number,
            a.service,
            self.date(a.date),
            a.time
        )];
        if let Some(reason) = &a.office_reason {
            paragraphs.push(format!("Motivo indicato dall'ufficio: {reason}"));
        }
        paragraphs.push(
            "Per accedere di nuovo al servizio puoi effettuare una nuova prenotazione.".into(),
        );
        MailText {
            subject: format!("Appuntamento cancellato – {}", a.number),
            paragraphs,
            ..MailText::default()
        }
    }

    fn booking_reminder(&self, a: &Appointment, link: &str) -> MailText {
        self.appointment_ahead(
            format!("Promemoria: appuntamento di {}", self.date(a.date)),
            format!("ti ricordiamo l'appuntamento di {}.", self.date(a.date)),
            a,
            link,
        )
    }

    fn draw_entered(&self, n: &DrawNews, link: &str) -> MailText {
        MailText {
            subject: format!("Iscrizione al sorteggio registrata – {}", n.service),
            paragraphs: vec![format!(
                "l’iscrizione di {} al sorteggio dei posti per “{}” è registrata. Il sorteggio si \
                 svolge {}: il momento dell’iscrizione non conta.",
                n.person, n.service, n.draw_at
            )],
            summary: draw_summary_it(n),
            closing: vec![
                "Il codice di iscrizione è la chiave della sua iscrizione: con esso può ritrovarla \
                 nell’elenco che l’ufficio pubblica dopo il sorteggio, e verificare il sorteggio."
                    .into(),
                "Le comunicheremo l’esito per e-mail.".into(),
            ],
            action: Some(("Vedi l’iscrizione".into(), link.into())),
            ..MailText::default()
        }
    }

    fn draw_waiting(&self, n: &DrawNews, link: &str) -> MailText {
        let place = match n.waiting_rank {
            Some(rank) => format!("È al numero {rank} della lista d’attesa."),
            None => "È nella lista d’attesa.".into(),
        };
        MailText {
            subject: format!("Esito del sorteggio – {}", n.service),
            paragraphs: vec![
                format!(
                    "il sorteggio per “{}” si è svolto e questa volta non ha assegnato un posto a {}.",
                    n.service, n.person
                ),
                place,
                "Quando un posto si libera, viene offerto per e-mail al primo della lista, che ha \
                 24 ore per accettarlo. Il prossimo sorteggio di questo servizio terrà conto di \
                 questo: le sue probabilità saranno più alte."
                    .into(),
            ],
            summary: draw_summary_it(n),
            action: Some(("Vedi l’iscrizione".into(), link.into())),
            ..MailText::default()
        }
    }

    fn draw_offered(&self, n: &DrawNews, link: &str) -> MailText {
        let mut summary = draw_summary_it(n);
        if let Some(offer) = &n.offer {
            summary.splice(
                0..0,
                [
                    ("Data".into(), offer.date.clone()),
                    ("Ora".into(), offer.time.clone()),
                    ("Sede".into(), offer.site.clone()),
                ],
            );
        }
        let until = n.offer.as_ref().map_or("", |offer| offer.until.as_str());
        MailText {
            subject: format!("Un posto per lei – {}", n.service),
            paragraphs: vec![format!(
                "si è liberato un posto per “{}”: dalla lista d’attesa, è offerto all’iscrizione di {}.",
                n.service, n.person
            )],
            summary,
            closing: vec![format!(
                "Lo accetti entro {until}: dopo, sarà offerto alla persona successiva della lista."
            )],
            action: Some(("Accetta o rifiuta il posto".into(), link.into())),
            ..MailText::default()
        }
    }

    fn activation(&self, address: AddressKind, link: &str, valid_hours: i64) -> MailText {
        let what = match address {
            AddressKind::Email => "il tuo indirizzo e-mail",
            AddressKind::Pec => "l'indirizzo PEC dell'ente",
        };
        MailText {
            subject: "Attiva il tuo account Prenota".into(),
            paragraphs: vec![
                format!("per completare la registrazione conferma {what} aprendo questo link."),
                format!("Il link vale {valid_hours} ore e si può usare una sola volta."),
            ],
            action: Some(("Attiva l'account".into(), link.into())),
            ..MailText::default()
        }
    }

    fn password_reset(&self, link: &str, valid_minutes: i64) -> MailText {
        MailText {
            subject: "Reimposta la password di Prenota".into(),
            paragraphs: vec![
                "abbiamo ricevuto una richiesta di reimpostare la tua password.".into(),
                format!(
                    "Il link vale {valid_minutes} minuti e si può usare una sola volta. Con la nuova \
                     password tutte le sessioni aperte verranno chiuse."
                ),
            ],
            action: Some(("Scegli una nuova password".into(), link.into())),
            ..MailText::default()
        }
    }

    fn password_changed(&self) -> MailText {
        MailText {
            subject: "La tua password di Prenota è stata cambiata".into(),
            paragraphs: vec![
                "la password del tuo account è stata appena cambiata e tutte le sessioni aperte sono state chiuse."
                    .into(),
                "Se non sei stato tu, usa subito «Password dimenticata?» per sceglierne una nuova.".into(),
            ],
            action: None,
            ..MailText::default()
        }
    }

    fn no_account_for_reset(&self, portal: &str) -> MailText {
        MailText {
            subject: "Richiesta di nuova password per Prenota".into(),
            paragraphs: vec![
                "abbiamo ricevuto una richiesta di nuova password per questo indirizzo, ma a questo indirizzo non corrisponde alcun account Prenota.".into(),
                "Se ti sei registrato con un altro indirizzo, chiedi la nuova password per quello; altrimenti puoi registrarti dal portale.".into(),
            ],
            action: Some(("Apri Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn no_activation_needed(&self, active: bool, portal: &str) -> MailText {
        let paragraph = if active {
            "abbiamo ricevuto una richiesta di un nuovo link di attivazione, ma l'account di questo indirizzo è già attivo: puoi accedere, o usare «Password dimenticata?» se non ricordi la password."
        } else {
            "abbiamo ricevuto una richiesta di un nuovo link di attivazione, ma a questo indirizzo non corrisponde alcuna registrazione in attesa (le registrazioni non attivate entro 48 ore vengono cancellate): puoi registrarti di nuovo dal portale."
        };
        MailText {
            subject: "Attivazione dell'account Prenota".into(),
            paragraphs: vec![paragraph.into()],
            action: Some(("Apri Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn account_erased(&self, cancelled: usize) -> MailText {
        let mut paragraphs = vec![
            "come hai chiesto, il tuo account Prenota e i tuoi dati personali sono stati cancellati.".to_owned(),
        ];
        if cancelled > 0 {
            paragraphs.push(format!(
                "Gli appuntamenti ancora da svolgere sono stati annullati ({cancelled}) e i posti liberati; le ricevute già stampate non sono più valide."
            ));
        }
        paragraphs.push(
            "Restano solo dati statistici senza riferimento a persone (servizio, sede, giorno, esito).".into(),
        );
        MailText {
            subject: "Il tuo account Prenota è stato cancellato".into(),
            paragraphs,
            action: None,
            ..MailText::default()
        }
    }

    fn inactivity_warning(&self, on: chrono::NaiveDate, portal: &str) -> MailText {
        MailText {
            subject: "Il tuo account Prenota sta per essere cancellato".into(),
            paragraphs: vec![
                "non usi il tuo account Prenota da molto tempo. Per non conservare dati personali più del necessario, lo cancelleremo insieme ai tuoi dati.".into(),
                format!("La cancellazione avverrà il {}. Se vuoi conservare l'account, accedi prima di quella data.", self.date(on)),
            ],
            action: Some(("Accedi a Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn erased_for_inactivity(&self) -> MailText {
        MailText {
            subject: "Il tuo account Prenota è stato cancellato".into(),
            paragraphs: vec![
                "il tuo account Prenota non era usato da molto tempo ed è stato cancellato, insieme ai tuoi dati personali, come annunciato. Puoi registrarti di nuovo in qualsiasi momento.".into(),
            ],
            action: None,
            ..MailText::default()
        }
    }
}

/// Ciò che ogni e-mail su un’iscrizione al sorteggio mostra nel riquadro.
fn draw_summary_it(n: &DrawNews) -> Vec<(String, String)> {
    vec![
        ("Servizio".into(), n.service.clone()),
        ("Ufficio".into(), n.office.clone()),
        ("Per".into(), n.person.clone()),
        ("Giorni".into(), n.days.clone()),
        ("Codice di iscrizione".into(), n.code.clone()),
        ("Pseudonimo".into(), n.pseudonym.clone()),
    ]
}
