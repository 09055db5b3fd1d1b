//! PostgreSQL log sequence numbers: a 64-bit WAL position, written `XXX/XXXXXXXX`.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

impl Lsn {
    /// The value Debezium stores in offsets and `source.lsn` (a Java long).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    pub fn from_i64(v: i64) -> Lsn {
        Lsn(v as u64)
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for Lsn {
    type Err = String;

    fn from_str(s: &str) -> Result<Lsn, String> {
        let (hi, lo) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not an LSN (expected XXX/XXXXXXXX)"))?;
        let hi = u32::from_str_radix(hi, 16).map_err(|e| format!("bad LSN '{s}': {e}"))?;
        let lo = u32::from_str_radix(lo, 16).map_err(|e| format!("bad LSN '{s}': {e}"))?;
        Ok(Lsn((u64::from(hi) << 32) | u64::from(lo)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_postgres_notation() {
        let lsn: Lsn = "16/B374D848".parse().unwrap();
        assert_eq!(lsn.0, 0x16_B374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!("0/0".parse::<Lsn>().unwrap(), Lsn(0));
        assert!("nope".parse::<Lsn>().is_err());
        assert!(Lsn(1) < Lsn(2));
    }
}
