//! The light markdown lessons are written in, read into blocks and spans that the page renders as
//! text nodes, so nothing in a lesson is ever HTML: paragraphs (split by blank lines), `- ` lists,
//! `` `code` ``, `**strong**` and `*emphasis*`. Anything else is plain text, shown as written.

/// A block of lesson text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Span>),
    List(Vec<Vec<Span>>),
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Code(String),
    Strong(String),
    Emphasis(String),
}

/// Reads lesson text into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for chunk in text.split("\n\n") {
        let lines: Vec<&str> = chunk
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        if lines.iter().all(|l| l.starts_with("- ")) {
            blocks.push(Block::List(lines.iter().map(|l| spans(&l[2..])).collect()));
        } else {
            blocks.push(Block::Paragraph(spans(&lines.join(" "))));
        }
    }
    blocks
}

/// Splits a line into spans. A marker without its closing partner stays as text.
pub fn spans(line: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let marked = match c {
            '`' => take(rest, "`").map(|(inner, after)| (Span::Code(inner.into()), after)),
            '*' if rest.starts_with("**") => {
                take(rest, "**").map(|(inner, after)| (Span::Strong(inner.into()), after))
            }
            '*' => take(rest, "*").map(|(inner, after)| (Span::Emphasis(inner.into()), after)),
            _ => None,
        };
        match marked {
            Some((span, after)) => {
                if !text.is_empty() {
                    out.push(Span::Text(std::mem::take(&mut text)));
                }
                out.push(span);
                rest = after;
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        out.push(Span::Text(text));
    }
    out
}

/// `rest` starts with `marker`: the text up to the next `marker` and what follows it, if the
/// marked text is not empty.
fn take<'a>(rest: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    let body = rest.strip_prefix(marker)?;
    let end = body.find(marker)?;
    (end > 0).then(|| (&body[..end], &body[end + marker.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Why: lessons mix code names and emphasis in one sentence; each must come out as its own span.
    #[test]
    fn spans_of_a_sentence() {
        assert_eq!(
            spans("Run `PutItem` **twice**, then *look*."),
            vec![
                Span::Text("Run ".into()),
                Span::Code("PutItem".into()),
                Span::Text(" ".into()),
                Span::Strong("twice".into()),
                Span::Text(", then ".into()),
                Span::Emphasis("look".into()),
                Span::Text(".".into()),
            ]
        );
    }

    // Why: a lone marker (a multiplication, an unclosed backtick) is text, never lost or an error;
    // and markup is never interpreted: angle brackets stay text for the page to show as text.
    #[test]
    fn unmatched_markers_and_html_stay_text() {
        assert_eq!(spans("2 * 3 `x"), vec![Span::Text("2 * 3 `x".into())]);
        assert_eq!(spans("<b>hi</b>"), vec![Span::Text("<b>hi</b>".into())]);
    }

    // Why: blank lines split paragraphs, a block of "- " lines is a list, and wrapped lines join.
    #[test]
    fn blocks() {
        let blocks = parse("One\ntwo.\n\n- a\n- `b`\n\nThree.");
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph(vec![Span::Text("One two.".into())]),
                Block::List(vec![
                    vec![Span::Text("a".into())],
                    vec![Span::Code("b".into())]
                ]),
                Block::Paragraph(vec![Span::Text("Three.".into())]),
            ]
        );
    }
}
