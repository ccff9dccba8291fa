//! Names for Mach-O numbers, as Apple's tools print them.

const CPU_ARCH_ABI64: u32 = 0x0100_0000;
const CPU_ARCH_ABI64_32: u32 = 0x0200_0000;
const CPU_SUBTYPE_MASK: u32 = 0x00ff_ffff;

/// The architecture name lipo and codesign use (`arm64`, `arm64e`, `x86_64`, `x86_64h`, …).
pub fn arch_name(cpu_type: u32, cpu_subtype: u32) -> String {
    let sub = cpu_subtype & CPU_SUBTYPE_MASK;
    let name = match cpu_type {
        7 => "i386",
        t if t == 7 | CPU_ARCH_ABI64 => match sub {
            8 => "x86_64h",
            _ => "x86_64",
        },
        12 => match sub {
            5 => "armv4t",
            6 => "armv6",
            7 => "armv5",
            9 => "armv7",
            10 => "armv7f",
            11 => "armv7s",
            12 => "armv7k",
            14 => "armv6m",
            13 => "armv8",
            15 => "armv7m",
            16 => "armv7em",
            _ => "arm",
        },
        t if t == 12 | CPU_ARCH_ABI64 => match sub {
            1 => "arm64v8",
            2 => "arm64e",
            _ => "arm64",
        },
        t if t == 12 | CPU_ARCH_ABI64_32 => "arm64_32",
        18 => match sub {
            1 => "ppc601",
            2 => "ppc602",
            3 => "ppc603",
            4 => "ppc603e",
            5 => "ppc603ev",
            6 => "ppc604",
            7 => "ppc604e",
            8 => "ppc620",
            9 => "ppc750",
            10 => "ppc7400",
            11 => "ppc7450",
            100 => "ppc970",
            _ => "ppc",
        },
        t if t == 18 | CPU_ARCH_ABI64 => match sub {
            100 => "ppc970-64",
            _ => "ppc64",
        },
        // NeXTSTEP and OPENSTEP architectures, as lipo still names them.
        6 => "m68k",
        10 => "m98k",
        11 => "hppa",
        13 => "m88k",
        14 => "sparc",
        15 => "i860",
        _ => return format!("cpu{cpu_type:#x}/{sub:#x}"),
    };
    name.to_owned()
}

/// `MH_EXECUTE` & co. without the prefix, as `otool -h` names them.
pub fn file_type_name(file_type: u32) -> &'static str {
    match file_type {
        1 => "object",
        2 => "execute",
        3 => "fvmlib",
        4 => "core",
        5 => "preload",
        6 => "dylib",
        7 => "dylinker",
        8 => "bundle",
        9 => "dylib-stub",
        10 => "dsym",
        11 => "kext-bundle",
        12 => "fileset",
        ARCHIVE_FILE_TYPE => "archive",
        _ => "unknown",
    }
}

/// The file type given to a universal file's slice that is a static archive (`!<arch>`, as
/// `lipo` makes of `.a` libraries): it has no Mach-O header of its own.
pub const ARCHIVE_FILE_TYPE: u32 = u32::MAX;

/// Whether a Mach-O of this `filetype` is never mapped as code by the kernel or dyld, so nothing
/// signs it: codesign signs exactly `MH_EXECUTE`, `MH_DYLIB`, `MH_DYLINKER`, `MH_BUNDLE`,
/// `MH_KEXT_BUNDLE` and `MH_PRELOAD` (`MachORep::candidate` in Apple's Security sources) and seals
/// any other file as data. Object files, fixed-VM libraries, core dumps, stub libraries, dSYM
/// companions, kernel file sets and static archives are such data. An unknown type is not
/// assumed harmless: a damaged header stays code, so its other defects are still judged.
pub fn is_never_loaded(file_type: u32) -> bool {
    matches!(file_type, 1 | 3 | 4 | 9 | 10 | 12 | ARCHIVE_FILE_TYPE)
}

/// What a Mach-O of this `filetype` is, in words, as `inspect` says it.
pub fn file_type_description(file_type: u32) -> &'static str {
    match file_type {
        1 => "object file (MH_OBJECT), never loaded",
        2 => "executable (MH_EXECUTE)",
        3 => "fixed-VM shared library (MH_FVMLIB), obsolete, never loaded",
        4 => "core dump (MH_CORE), never loaded",
        5 => "preloaded image (MH_PRELOAD)",
        6 => "dynamic library (MH_DYLIB)",
        7 => "dynamic linker (MH_DYLINKER)",
        8 => "bundle (MH_BUNDLE)",
        9 => "stub library (MH_DYLIB_STUB), linked against, never loaded",
        10 => "debug symbols (MH_DSYM), never loaded",
        11 => "kernel extension (MH_KEXT_BUNDLE)",
        12 => "kernel file set (MH_FILESET), never loaded by dyld, not signed by codesign",
        ARCHIVE_FILE_TYPE => "static archive (!<arch>), linked into code, never loaded",
        _ => "unknown file type",
    }
}

/// `PLATFORM_*` values of `LC_BUILD_VERSION`.
pub fn platform_name(platform: u32) -> &'static str {
    match platform {
        1 => "macos",
        2 => "ios",
        3 => "tvos",
        4 => "watchos",
        5 => "bridgeos",
        6 => "maccatalyst",
        7 => "ios-simulator",
        8 => "tvos-simulator",
        9 => "watchos-simulator",
        10 => "driverkit",
        11 => "visionos",
        12 => "visionos-simulator",
        _ => "unknown",
    }
}

/// How Apple writes a platform's name in prose (`macOS`, `iOS`, `Mac Catalyst`…).
pub fn platform_display_name(platform: u32) -> &'static str {
    match platform {
        1 => "macOS",
        2 => "iOS",
        3 => "tvOS",
        4 => "watchOS",
        5 => "bridgeOS",
        6 => "Mac Catalyst",
        7 => "iOS Simulator",
        8 => "tvOS Simulator",
        9 => "watchOS Simulator",
        10 => "DriverKit",
        11 => "visionOS",
        12 => "visionOS Simulator",
        _ => "an unknown platform",
    }
}
