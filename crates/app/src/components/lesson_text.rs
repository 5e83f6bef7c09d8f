//! A lesson's text on the page: `lesson_text`'s blocks and spans as paragraphs, lists, code and
//! emphasis. Every piece is a text node, so nothing in a lesson file can become HTML or script.

use yew::prelude::*;

use crate::lesson_text::{parse, Block, Span};

#[derive(Properties, PartialEq)]
pub struct LessonTextProps {
    pub text: AttrValue,
}

fn span(span: &Span) -> Html {
    match span {
        Span::Text(text) => html! { { text.clone() } },
        Span::Code(text) => html! { <code>{ text.clone() }</code> },
        Span::Strong(text) => html! { <strong>{ text.clone() }</strong> },
        Span::Emphasis(text) => html! { <em>{ text.clone() }</em> },
    }
}

#[function_component(LessonText)]
pub fn lesson_text(props: &LessonTextProps) -> Html {
    html! {
        <>
            { for parse(&props.text).iter().map(|block| match block {
                Block::Paragraph(spans) => html! { <p>{ for spans.iter().map(span) }</p> },
                Block::List(items) => html! {
                    <ul>{ for items.iter().map(|spans| html! { <li>{ for spans.iter().map(span) }</li> }) }</ul>
                },
            }) }
        </>
    }
}
