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
        18 => "ppc",
        t if t == 18 | CPU_ARCH_ABI64 => "ppc64",
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
        _ => "unknown",
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
