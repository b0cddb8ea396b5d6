//! Little-endian integer reads shared by the model file readers.

use std::io::{self, Read};

fn read_array<const N: usize>(reader: &mut impl Read) -> io::Result<[u8; N]> {
    let mut buf = [0u8; N];
    reader.read_exact(&mut buf)?;
    Ok(buf)
}

pub fn read_u8(reader: &mut impl Read) -> io::Result<u8> {
    Ok(read_array::<1>(reader)?[0])
}

pub fn read_u16(reader: &mut impl Read) -> io::Result<u16> {
    read_array(reader).map(u16::from_le_bytes)
}

pub fn read_u32(reader: &mut impl Read) -> io::Result<u32> {
    read_array(reader).map(u32::from_le_bytes)
}

pub fn read_i32(reader: &mut impl Read) -> io::Result<i32> {
    read_array(reader).map(i32::from_le_bytes)
}
