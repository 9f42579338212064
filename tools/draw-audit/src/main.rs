//! `prenota-draw-audit DRAW.json`: anyone's check of a release's draw, from what it published
//! (`GET /releases/{id}/draw`, saved to a file) and nothing else:
//! - the seed hashes to the commitment (`--commitment`: the one the release showed before its
//!   window opened, which is the point; the file's own otherwise);
//! - every entry's position is recomputed from the seed, its pseudonym and its weight, and
//!   compared with the published one: byte for byte the same order, or the first position
//!   that differs;
//! - `--code` with an entry's code (from its confirmation) finds that entry: its pseudonym is
//!   recomputed from the code, and its position shown.
//!
//! The arithmetic is the domain's own (`prenota_domain::draws::fairness`): integers and SHA-256,
//! the same on any machine. Exit status 0 when everything holds, 1 when anything differs.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use prenota_domain::draws::{Digest32, EntryCode, PublishedDraw, audit, commitment};

#[derive(Parser)]
#[command(about = "Recomputes a published draw's order and checks its seed")]
struct Args {
    /// The published draw (the JSON of `GET /releases/{id}/draw`; `-` reads standard input).
    draw: PathBuf,
    /// The commitment the release published before its window opened (64 hex digits).
    #[arg(long)]
    commitment: Option<String>,
    /// Check this seed instead of the published one (64 hex digits).
    #[arg(long)]
    seed: Option<String>,
    /// An entry's code: shows that entry's pseudonym and position.
    #[arg(long)]
    code: Option<String>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn digest(what: &str, text: &str) -> anyhow::Result<Digest32> {
    Digest32::parse(text).with_context(|| format!("{what}: 64 hexadecimal digits expected"))
}

fn run(args: Args) -> anyhow::Result<bool> {
    let text = if args.draw.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&args.draw)
            .with_context(|| format!("reading {}", args.draw.display()))?
    };
    let mut draw: PublishedDraw =
        serde_json::from_str(&text).context("not a published draw (GET /releases/{id}/draw)")?;
    if let Some(seed) = &args.seed {
        draw.seed = digest("--seed", seed)?;
    }
    if let Some(expected) = &args.commitment {
        let expected = digest("--commitment", expected)?;
        if draw.commitment != expected {
            println!(
                "DIFFERS: the file's commitment {} is not the one published before the window \
                 opened ({expected})",
                draw.commitment
            );
            return Ok(false);
        }
    }
    if let Err(finding) = audit(&draw) {
        println!("DIFFERS: {finding}");
        return Ok(false);
    }
    println!(
        "OK: release {}: the seed hashes to the commitment {}; the order of its {} entries is \
         reproduced, byte for byte",
        draw.release,
        commitment(&draw.seed),
        draw.entries.len()
    );
    if let Some(code) = &args.code {
        let code =
            EntryCode::parse(code).context("--code: an entry's code, XXXX-XXXX-XXXX-XXXX-XXXX")?;
        let pseudonym = code.pseudonym(&draw.release);
        match draw
            .entries
            .iter()
            .find(|entry| entry.pseudonym == pseudonym)
        {
            Some(entry) => println!(
                "your entry: pseudonym {pseudonym}, weight {}, position {} of {}",
                entry.weight,
                entry.position,
                draw.entries.len()
            ),
            None => {
                println!("DIFFERS: no entry has the pseudonym of this code ({pseudonym})");
                return Ok(false);
            }
        }
    }
    Ok(true)
}
