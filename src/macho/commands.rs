//! The header and load commands of one slice.
//!
//! The commands are walked here, one by one, rather than by `goblin::mach::MachO::parse`: goblin
//! rejects a whole image over a thread state it does not model — PowerPC 64-bit's 76-word
//! register state, or any `LC_UNIXTHREAD` of a CPU it cannot take an entry point from — so valid
//! PowerPC, 68k or SPARC slices would read as unparseable. goblin still decodes every other
//! command and every segment; thread commands are checked here by hand, and only their bounds
//! matter (nothing downstream reads registers).

use goblin::container::{Container, Ctx, Endian};
use goblin::mach::load_command::{cmd_to_str, CommandVariant, LoadCommand};
use goblin::mach::segment::Segment;
use goblin::mach::symbols::Symbols;

use crate::problem::bytes;

const MH_MAGIC: u32 = 0xfeed_face;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const MH_CIGAM: u32 = 0xcefa_edfe;
const MH_CIGAM_64: u32 = 0xcffa_edfe;
const LC_THREAD: u32 = 0x4;
const LC_UNIXTHREAD: u32 = 0x5;

/// The Mach-O header of a slice.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub cpu_type: u32,
    pub cpu_subtype: u32,
    pub file_type: u32,
    pub ncmds: u32,
    pub sizeofcmds: u32,
    pub flags: u32,
    pub is_64: bool,
    pub little_endian: bool,
}

impl Header {
    /// Reads the header at the start of `data`; `Err` says why it is not one.
    pub fn read(data: &[u8]) -> Result<Header, String> {
        let magic = bytes::be_u32(data, 0).ok_or("slice shorter than a Mach-O magic number")?;
        let (is_64, little_endian) = match magic {
            MH_MAGIC => (false, false),
            MH_CIGAM => (false, true),
            MH_MAGIC_64 => (true, false),
            MH_CIGAM_64 => (true, true),
            other => return Err(format!("magic {other:#010x} is not a Mach-O magic number")),
        };
        let size = if is_64 { 32 } else { 28 };
        if data.len() < size {
            return Err(format!("slice of {} bytes is shorter than its {size}-byte Mach-O header", data.len()));
        }
        let word = |at: usize| read_u32(data, at, little_endian).unwrap_or(0);
        Ok(Header {
            cpu_type: word(4),
            cpu_subtype: word(8),
            file_type: word(12),
            ncmds: word(16),
            sizeofcmds: word(20),
            flags: word(24),
            is_64,
            little_endian,
        })
    }

    /// Bytes before the first load command.
    pub fn size(&self) -> usize {
        if self.is_64 {
            32
        } else {
            28
        }
    }

    fn ctx(&self) -> Ctx {
        let container = if self.is_64 { Container::Big } else { Container::Little };
        Ctx::new(container, if self.little_endian { Endian::Little } else { Endian::Big })
    }
}

/// What the walk read: commands in file order, segments, and problems (offsets relative to the
/// slice).
pub struct Commands<'a> {
    pub commands: Vec<LoadCommand>,
    pub segments: Vec<Segment<'a>>,
    pub problems: Vec<(u64, String)>,
}

/// Walks the load commands of the slice `data` described by `header`. A command that cannot be
/// decoded is a problem and is skipped by its `cmdsize`; the walk stops only where `cmdsize`
/// itself cannot be trusted.
pub fn walk<'a>(data: &'a [u8], header: &Header) -> Commands<'a> {
    let mut out = Commands { commands: Vec::new(), segments: Vec::new(), problems: Vec::new() };
    let start = header.size();
    let area_end = start.checked_add(header.sizeofcmds as usize).filter(|&end| end <= data.len());
    let Some(area_end) = area_end else {
        out.problems.push((
            20,
            format!(
                "header claims {} bytes of load commands, past the end of the {}-byte slice",
                header.sizeofcmds,
                data.len()
            ),
        ));
        return out;
    };
    // A load command is at least 8 bytes (cmd, cmdsize): more commands than that cannot fit.
    if header.ncmds as usize > header.sizeofcmds as usize / 8 {
        out.problems.push((16, format!("header claims {} load commands in {} bytes", header.ncmds, header.sizeofcmds)));
        return out;
    }
    let ctx = header.ctx();
    let mut offset = start;
    for index in 0..header.ncmds {
        let cmd = read_u32(data, offset, header.little_endian).unwrap_or(0);
        let cmdsize = read_u32(data, offset + 4, header.little_endian).unwrap_or(0) as usize;
        let end = offset.checked_add(cmdsize).filter(|&end| cmdsize >= 8 && end <= area_end);
        let Some(end) = end else {
            out.problems.push((
                offset as u64,
                format!(
                    "load command #{index} ({}) claims {cmdsize} bytes, outside the {}-byte load-command area",
                    cmd_to_str(cmd),
                    header.sizeofcmds
                ),
            ));
            break;
        };
        if cmd == LC_THREAD || cmd == LC_UNIXTHREAD {
            if let Err(why) = check_thread_states(&data[offset..end], header.little_endian) {
                out.problems.push((offset as u64, format!("{} {why}", cmd_to_str(cmd))));
            }
        } else {
            read_command(data, end, offset, ctx, &mut out);
        }
        offset = end;
    }
    out
}

/// Decodes the command at `offset` (ending at `end`) with goblin, and its segment or symbol table.
fn read_command<'a>(data: &'a [u8], end: usize, offset: usize, ctx: Ctx, out: &mut Commands<'a>) {
    let mut cursor = offset;
    // goblin sees the command's own bytes only, so a struct larger than `cmdsize` fails here
    // instead of reading the next command.
    let command = match LoadCommand::parse(&data[..end], &mut cursor, ctx.le) {
        Ok(c) => c,
        Err(e) => {
            let cmd = read_u32(data, offset, ctx.le.is_little()).unwrap_or(0);
            out.problems.push((offset as u64, format!("{} cannot be read: {e}", cmd_to_str(cmd))));
            return;
        }
    };
    match &command.command {
        // Lossy: a segment whose file range lies outside the slice keeps its header fields; the
        // caller reports the range with its own numbers.
        CommandVariant::Segment32(s) => out.segments.extend(Segment::from_32_lossy(data, s, offset, ctx)),
        CommandVariant::Segment64(s) => out.segments.extend(Segment::from_64_lossy(data, s, offset, ctx)),
        CommandVariant::Symtab(symtab) => {
            if let Err(e) = Symbols::parse(data, symtab, ctx) {
                out.problems.push((offset as u64, format!("LC_SYMTAB symbol table unreadable: {e}")));
            }
        }
        _ => {}
    }
    out.commands.push(command);
}

/// A thread command holds one or more register states, each `flavor, count, count × u32`. Every
/// flavour and size that exists (i386, x86-64, ARM, ARM64, PowerPC, PowerPC 64, 68k, SPARC,
/// debug, float and exception states…) is accepted as long as each state lies inside the command;
/// fewer than 8 bytes left over are padding.
fn check_thread_states(command: &[u8], little_endian: bool) -> Result<(), String> {
    let mut at = 8usize;
    while at + 8 <= command.len() {
        let flavor = read_u32(command, at, little_endian).unwrap_or(0);
        let count = read_u32(command, at + 4, little_endian).unwrap_or(0);
        let state_end = (count as usize).checked_mul(4).and_then(|len| (at + 8).checked_add(len));
        match state_end {
            Some(state_end) if state_end <= command.len() => at = state_end,
            _ => {
                return Err(format!(
                    "thread state of flavour {flavor} claims {count} words, past the end of the {}-byte command",
                    command.len()
                ))
            }
        }
    }
    Ok(())
}

fn read_u32(data: &[u8], at: usize, little_endian: bool) -> Option<u32> {
    let b = bytes::range(data, at, 4)?;
    let word = [b[0], b[1], b[2], b[3]];
    Some(if little_endian { u32::from_le_bytes(word) } else { u32::from_be_bytes(word) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread_command(states: &[(u32, u32)], cmdsize: usize) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&LC_UNIXTHREAD.to_le_bytes());
        out.extend_from_slice(&(cmdsize as u32).to_le_bytes());
        for &(flavor, count) in states {
            out.extend_from_slice(&flavor.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend(std::iter::repeat_n(0u8, count as usize * 4));
        }
        out.resize(cmdsize, 0);
        out
    }

    #[test]
    fn every_state_size_that_fits_is_accepted() {
        // PowerPC 64's thread state is 76 words; x86 float states are far larger.
        assert!(check_thread_states(&thread_command(&[(5, 76)], 8 + 8 + 76 * 4), true).is_ok());
        assert!(check_thread_states(&thread_command(&[(1, 16), (5, 131)], 8 + 8 + 64 + 8 + 524), true).is_ok());
        // Four bytes of padding after the last state.
        assert!(check_thread_states(&thread_command(&[(1, 16)], 8 + 8 + 64 + 4), true).is_ok());
    }

    #[test]
    fn a_state_past_the_command_is_a_problem() {
        let mut command = thread_command(&[(1, 16)], 8 + 8 + 64);
        command[12..16].copy_from_slice(&17u32.to_le_bytes());
        let why = check_thread_states(&command, true).unwrap_err();
        assert!(why.contains("flavour 1 claims 17 words"), "{why}");
        command[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(check_thread_states(&command, true).is_err());
    }
}
