//! Resource ids that look real: `i-` + 20 lower-case alphanumerics whose first
//! characters encode the region (`bp` Hangzhou, `uf` Shanghai …, spec §2).

use crate::random::{Random, Stream};

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The conventional id prefix of a region.
pub fn region_prefix(region: &str) -> String {
    let known = match region {
        "cn-hangzhou" => "bp",
        "cn-shanghai" => "uf",
        "cn-beijing" => "2ze",
        "cn-shenzhen" => "wz9",
        "cn-qingdao" => "m5e",
        "cn-zhangjiakou" => "8vb",
        "cn-huhehaote" => "hp3",
        "cn-chengdu" => "2vc",
        "cn-hongkong" => "j6c",
        "ap-southeast-1" => "t4n",
        "ap-northeast-1" => "6we",
        "us-west-1" => "rj9",
        "us-east-1" => "0xi",
        "eu-central-1" => "gw8",
        "eu-west-1" => "d7o",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // Unknown regions: two stable characters derived from the name.
    let h = region
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let a = ALPHABET[(h % 36) as usize] as char;
    let b = ALPHABET[((h / 36) % 36) as usize] as char;
    format!("{a}{b}")
}

/// A new id `<kind>-<region prefix><random>` with 20 characters after the dash.
pub fn new_id(random: &Random, kind: &str, region: &str) -> String {
    let prefix = region_prefix(region);
    let tail = random.string(Stream::Resources, ALPHABET, 20 - prefix.len());
    format!("{kind}-{prefix}{tail}")
}

/// A new instance id.
pub fn new_instance_id(random: &Random, region: &str) -> String {
    new_id(random, "i", region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_look_real() {
        let random = Random::real();
        let id = new_instance_id(&random, "cn-hangzhou");
        assert!(id.starts_with("i-bp"));
        assert_eq!(id.len(), 22);
        assert!(id[2..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(new_instance_id(&random, "xx-nowhere-9").len(), 22);
    }
}
