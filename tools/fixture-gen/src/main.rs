//! fixture-gen: builds bundlelint's generated test corpus.
//!
//! ```text
//! fixture-gen generate OUT_DIR --inputs BIN_DIR [--tsa-url URL]
//! fixture-gen bundles OUT_DIR --inputs BIN_DIR [--tsa-url URL]
//! fixture-gen products OUT_DIR --inputs BIN_DIR [--tsa-url URL]
//! fixture-gen oracle OUT_DIR
//! fixture-gen cases OUT_DIR
//! fixture-gen sign IN OUT [--identifier ID] [--digest sha1|sha256|sha384]...
//! ```
//!
//! Normally run through `tools/make-fixtures.sh`, which prepares BIN_DIR
//! (Mach-O inputs), OUT_DIR/pki (test PKI) and the loopback time-stamp server.

mod cases;
mod cases_constraints;
mod cases_sandbox;
mod generate;
mod oracle;
mod plistjson;
mod products;
mod reqs;
mod sign;

use {
    anyhow::{bail, Result},
    std::path::PathBuf,
};

const USAGE: &str = "usage:
  fixture-gen generate OUT_DIR --inputs BIN_DIR [--tsa-url URL]
  fixture-gen bundles OUT_DIR --inputs BIN_DIR [--tsa-url URL]
  fixture-gen products OUT_DIR --inputs BIN_DIR [--tsa-url URL]
  fixture-gen oracle OUT_DIR
  fixture-gen cases OUT_DIR
  fixture-gen sign IN OUT [--identifier ID] [--digest sha1|sha256|sha384]...";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(|s| s.as_str()) {
        Some("generate") => {
            let (out, inputs, tsa_url) = out_inputs_tsa(&args[1..])?;
            generate::run(generate::Args { out, inputs, tsa_url })
        }
        Some("bundles") => {
            let (out, inputs, tsa_url) = out_inputs_tsa(&args[1..])?;
            generate::run_bundles(generate::Args { out, inputs, tsa_url })
        }
        Some("products") => {
            let (out, inputs, tsa_url) = out_inputs_tsa(&args[1..])?;
            products::run(products::Args { out, inputs, tsa_url })
        }
        Some("oracle") if args.len() == 2 => oracle::run(&PathBuf::from(&args[1])),
        Some("cases") if args.len() == 2 => cases::run(&PathBuf::from(&args[1])),
        Some("sign") => sign::run(sign::Args::parse(&args[1..]).map_err(|e| anyhow::anyhow!("{e}\n{USAGE}"))?),
        _ => bail!("{USAGE}"),
    }
}

/// `OUT_DIR --inputs BIN_DIR [--tsa-url URL]`, the arguments of `generate` and `products`.
fn out_inputs_tsa(args: &[String]) -> Result<(PathBuf, PathBuf, Option<String>)> {
    let mut out = None;
    let mut inputs = None;
    let mut tsa_url = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--inputs" => inputs = it.next().map(PathBuf::from),
            "--tsa-url" => tsa_url = it.next().cloned(),
            s if !s.starts_with("--") && out.is_none() => out = Some(PathBuf::from(s)),
            _ => bail!("unexpected argument {a}\n{USAGE}"),
        }
    }
    let (Some(out), Some(inputs)) = (out, inputs) else {
        bail!("{USAGE}");
    };
    Ok((out, inputs, tsa_url))
}
