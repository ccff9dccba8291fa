//! What users run: a zip, flat package or disk image through `check` with every rule, then every
//! output format.
#![no_main]

use bundlelint::engine;
use bundlelint::settings::Settings;
use bundlelint::model::Scan;
use bundlelint::report::{check::CheckReport, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let scan = Scan::from_tree(bundlelint::input::container_from_bytes(data));
    let report = CheckReport::new(&scan, engine::check(&scan, &Settings::default()));
    for format in Format::ALL {
        let _ = format.render_input(&scan, &report, false);
    }
    let reports = [report];
    for format in Format::ALL {
        let _ = format.render_run(&reports);
    }
});
