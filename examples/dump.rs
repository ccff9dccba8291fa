fn main() {
    let path = std::env::args().nth(1).unwrap();
    let scan = bundlelint::model::Scan::open(std::path::Path::new(&path)).unwrap();
    for (item, facts) in scan.code_items() {
        print!("{} [{}] exe={:?}", item.path, item.role.name(), item.executable);
        match &facts.code {
            bundlelint::model::Code::MachO { file, slices } => {
                for (s, f) in file.slices.iter().zip(slices) {
                    print!(" | {} {}", s.arch, s.file_type_name);
                    if let Some(sig) = &f.signature {
                        for cd in &sig.code_directories {
                            print!(
                                " {} {:?} {} {:?}",
                                cd.cd.identifier,
                                cd.cd.flag_names,
                                cd.cd.cdhash_truncated.as_deref().unwrap_or(""),
                                cd.cd.special_slots_present()
                            );
                        }
                        for p in &sig.problems {
                            print!(" PROBLEM {p}");
                        }
                    }
                    for p in &s.problems {
                        print!(" SLICEPROBLEM {p}");
                    }
                }
            }
            other => print!(" {:?}", std::mem::discriminant(other)),
        }
        println!();
    }
    for p in &scan.discovery.launchd_plists {
        println!("launchd {} {:?} {:?} target={:?}", p.path, p.kind, p.label, p.target);
    }
    for p in &scan.discovery.profiles {
        println!("profile {} {:?}", p.path, p.owner);
    }
    for p in scan.input_problems() {
        println!("input problem {p:?}");
    }
}
