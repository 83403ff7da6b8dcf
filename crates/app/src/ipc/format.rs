//! Lays out ts-rs's one-line declarations the way the UI's Prettier does (width 100,
//! two-space indent, `;` between members, one union member per line when the union
//! does not fit), so the generated file reads like the rest of the UI and passes
//! `prettier --check` as it is.
//!
//! It understands only what ts-rs emits for our types: `type Name<T> = <type>;` where
//! a type is a union of object literals, names with generic arguments, and string
//! literals, with `/** ... */` comments before object members.

const WIDTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Comment(String),
    Word(String),
    Punct(char),
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Union(Vec<Ty>),
    Object(Vec<Member>),
    /// A name or literal with its generic arguments (`Array<Resolution>`, `"host"`).
    Named(String, Vec<Ty>),
}

#[derive(Debug, Clone, PartialEq)]
struct Member {
    docs: Vec<String>,
    key: String,
    ty: Ty,
}

fn lex(src: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if let Some(body) = rest.strip_prefix("/*") {
            let end = body.find("*/").map_or(body.len(), |i| i + 2);
            toks.push(Tok::Comment(format!("/*{}", &body[..end])));
            rest = &body[end..];
        } else if c == '"' {
            let end = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
            toks.push(Tok::Word(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if "{}<>,;:|=".contains(c) {
            toks.push(Tok::Punct(c));
            rest = &rest[1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || "{}<>,;:|=\"/".contains(c))
                .unwrap_or(rest.len())
                .max(c.len_utf8());
            toks.push(Tok::Word(rest[..end].to_owned()));
            rest = &rest[end..];
        }
    }
    toks
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(&Tok::Punct(c));
        self.at += usize::from(found);
        found
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        tok
    }

    fn ty(&mut self) -> Ty {
        let mut members = vec![self.member()];
        while self.eat('|') {
            members.push(self.member());
        }
        if members.len() == 1 {
            members.remove(0)
        } else {
            Ty::Union(members)
        }
    }

    fn member(&mut self) -> Ty {
        if self.eat('{') {
            let mut fields = Vec::new();
            let mut docs = Vec::new();
            loop {
                match self.next() {
                    None | Some(Tok::Punct('}')) => break,
                    Some(Tok::Comment(c)) => docs.push(c),
                    Some(Tok::Word(key)) => {
                        self.eat(':');
                        let ty = self.ty();
                        self.eat(',');
                        self.eat(';');
                        fields.push(Member {
                            docs: std::mem::take(&mut docs),
                            key: key.trim_matches('"').to_owned(),
                            ty,
                        });
                    }
                    Some(Tok::Punct(_)) => {}
                }
            }
            return Ty::Object(fields);
        }
        let name = match self.next() {
            Some(Tok::Word(w)) => w,
            other => format!("{other:?}"),
        };
        let mut args = Vec::new();
        if self.eat('<') {
            loop {
                args.push(self.ty());
                if !self.eat(',') {
                    break;
                }
            }
            self.eat('>');
        }
        Ty::Named(name, args)
    }
}

/// The type on one line, or `None` when it cannot be (an object with comments).
fn flat(ty: &Ty) -> Option<String> {
    Some(match ty {
        Ty::Union(members) => members
            .iter()
            .map(flat)
            .collect::<Option<Vec<_>>>()?
            .join(" | "),
        Ty::Named(name, args) if args.is_empty() => name.clone(),
        Ty::Named(name, args) => {
            let args = args.iter().map(flat).collect::<Option<Vec<_>>>()?;
            format!("{name}<{}>", args.join(", "))
        }
        Ty::Object(fields) if fields.is_empty() => "{}".to_owned(),
        Ty::Object(fields) => {
            let mut parts = Vec::new();
            for f in fields {
                if !f.docs.is_empty() {
                    return None;
                }
                parts.push(format!("{}: {}", f.key, flat(&f.ty)?));
            }
            format!("{{ {} }}", parts.join("; "))
        }
    })
}

/// The type laid out over lines; `indent` is the column of the line it starts on.
fn layout(ty: &Ty, indent: usize, room: usize) -> String {
    if let Some(line) = flat(ty).filter(|l| l.len() <= room) {
        return line;
    }
    let pad = " ".repeat(indent);
    match ty {
        Ty::Union(members) => members
            .iter()
            .map(|m| format!("\n{pad}  | {}", layout(m, indent + 4, WIDTH - indent - 4)))
            .collect(),
        Ty::Object(fields) => {
            let inner = " ".repeat(indent + 2);
            let mut out = String::from("{\n");
            for f in fields {
                for doc in &f.docs {
                    for line in doc.lines() {
                        let line = line.trim();
                        let sep = if line.starts_with('*') { " " } else { "" };
                        out.push_str(&format!("{inner}{sep}{line}\n"));
                    }
                }
                let head = format!("{inner}{}: ", f.key);
                let ty = layout(&f.ty, indent + 2, WIDTH.saturating_sub(head.len() + 1));
                out.push_str(&format!("{head}{ty};\n"));
            }
            out.push_str(&format!("{pad}}}"));
            out
        }
        Ty::Named(..) => flat(ty).unwrap_or_default(),
    }
}

/// `type Name = ...;` from ts-rs, laid out as Prettier would.
pub(super) fn declaration(decl: &str) -> String {
    let (head, body) = decl.split_once(" = ").unwrap_or(("", decl));
    let body = body.trim().trim_end_matches(';');
    let mut parser = Parser {
        toks: lex(body),
        at: 0,
    };
    let ty = parser.ty();
    let head = format!("{head} =");
    let room = WIDTH.saturating_sub("export ".len() + head.len() + 2);
    match (&ty, flat(&ty)) {
        (_, Some(line)) if line.len() <= room => format!("{head} {line};"),
        // Prettier's next choice: the whole union on its own line.
        (Ty::Union(_), Some(line)) if line.len() + 3 <= WIDTH => format!("{head}\n  {line};"),
        (Ty::Union(_), _) => format!("{head}{};", layout(&ty, 0, 0)),
        _ => format!("{head} {};", layout(&ty, 0, room)),
    }
}
