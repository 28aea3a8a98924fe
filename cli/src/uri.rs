//! `-u redis://[[user:]password@][host[:port]][/db]`, read as redis-cli
//! reads it: each part optional, user and password percent-decoded, and
//! `rediss://` asking for TLS.

/// What a URI sets; the parts it leaves out stay as other options set them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedisUri {
    pub tls: bool,
    pub user: Option<Vec<u8>>,
    pub password: Option<Vec<u8>>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub db: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("Invalid URI scheme")]
    Scheme,
    #[error("Incomplete URI encoding")]
    IncompleteEncoding,
    #[error("Illegal character in URI encoding")]
    IllegalEncoding,
    #[error("Invalid port in URI: '{0}'")]
    Port(String),
    #[error("Invalid database number in URI: '{0}'")]
    Db(String),
}

pub fn parse_uri(uri: &str) -> Result<RedisUri, UriError> {
    let (tls, rest) = strip_scheme(uri)?;
    let mut parsed = RedisUri {
        tls,
        ..RedisUri::default()
    };
    let rest = match rest.rsplit_once('@') {
        Some((userinfo, after)) => {
            match userinfo.split_once(':') {
                Some((user, password)) => {
                    parsed.user = Some(percent_decode(user)?);
                    parsed.password = Some(percent_decode(password)?);
                }
                None => parsed.password = Some(percent_decode(userinfo)?),
            }
            after
        }
        None => rest,
    };
    let (authority, path) = match rest.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (rest, None),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !host.is_empty() {
        parsed.host = Some(host.to_string());
    }
    if let Some(port) = port {
        parsed.port = Some(port.parse().map_err(|_| UriError::Port(port.into()))?);
    }
    if let Some(db) = path.filter(|db| !db.is_empty()) {
        parsed.db = Some(db.parse().map_err(|_| UriError::Db(db.into()))?);
    }
    Ok(parsed)
}

fn strip_scheme(uri: &str) -> Result<(bool, &str), UriError> {
    for (scheme, tls) in [("redis://", false), ("rediss://", true)] {
        if uri.len() >= scheme.len() && uri[..scheme.len()].eq_ignore_ascii_case(scheme) {
            return Ok((tls, &uri[scheme.len()..]));
        }
    }
    Err(UriError::Scheme)
}

fn percent_decode(text: &str) -> Result<Vec<u8>, UriError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let digits = bytes
            .get(i + 1..i + 3)
            .ok_or(UriError::IncompleteEncoding)?;
        let high = hex(digits[0]).ok_or(UriError::IllegalEncoding)?;
        let low = hex(digits[1]).ok_or(UriError::IllegalEncoding)?;
        out.push(high << 4 | low);
        i += 3;
    }
    Ok(out)
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::{parse_uri, RedisUri, UriError};

    #[test]
    fn every_part() {
        let uri = parse_uri("redis://bob:p%40ss@example.com:6380/3").unwrap();
        assert_eq!(
            uri,
            RedisUri {
                tls: false,
                user: Some(b"bob".to_vec()),
                password: Some(b"p@ss".to_vec()),
                host: Some("example.com".into()),
                port: Some(6380),
                db: Some(3),
            }
        );
    }

    #[test]
    fn parts_are_optional() {
        assert_eq!(parse_uri("redis://").unwrap(), RedisUri::default());
        let uri = parse_uri("REDIS://secret@/2").unwrap();
        assert_eq!(uri.password, Some(b"secret".to_vec()));
        assert_eq!(
            (uri.user, uri.host, uri.port, uri.db),
            (None, None, None, Some(2))
        );
        let uri = parse_uri("redis://localhost").unwrap();
        assert_eq!((uri.host.as_deref(), uri.port), (Some("localhost"), None));
        assert!(parse_uri("rediss://h:1").unwrap().tls);
    }

    #[test]
    fn bad_uris_are_refused_with_redis_cli_texts() {
        assert_eq!(parse_uri("http://x"), Err(UriError::Scheme));
        assert_eq!(
            parse_uri("redis://a%4@h"),
            Err(UriError::IncompleteEncoding)
        );
        assert_eq!(parse_uri("redis://a%zz@h"), Err(UriError::IllegalEncoding));
        assert_eq!(
            parse_uri("redis://h:port"),
            Err(UriError::Port("port".into()))
        );
        assert_eq!(parse_uri("redis://h/db"), Err(UriError::Db("db".into())));
    }
}
