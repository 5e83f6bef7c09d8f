//! The monthly cost estimate of one table's observed workload (`cost::estimate`), on demand and
//! provisioned, with the assumptions beside the numbers.

use serde_json::Value;
use yew::prelude::*;

use crate::cost::{self, dollars};

#[derive(Properties, PartialEq)]
pub struct CostViewProps {
    /// `Engine::metrics` for the table.
    pub metrics: Value,
    /// DescribeTable's `Table`.
    pub table: Value,
    /// The engine's clock, epoch milliseconds.
    pub now: f64,
}

fn units(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2} million", n / 1e6)
    } else if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

#[function_component(CostView)]
pub fn cost_view(props: &CostViewProps) -> Html {
    let e = cost::estimate(&props.metrics, &props.table, props.now);
    let mode = if e.billing_mode == "PAY_PER_REQUEST" {
        "on demand"
    } else {
        "provisioned"
    };
    let row = |id: &'static str, what: Html, read: f64, write: f64, total: f64| {
        html! {
            <tr {id}>
                <th scope="row">{ what }</th>
                <td class="num total">{ dollars(total) }</td>
                <td class="num">{ dollars(read) }</td>
                <td class="num">{ dollars(write) }</td>
                <td class="num">{ dollars(e.storage) }</td>
            </tr>
        }
    };
    html! {
        <section aria-labelledby="cost-heading" class="cost-view">
            <h3 id="cost-heading">{ "What this would cost a month on DynamoDB" }</h3>
            <p class="hint" id="cost-observed">
                { format!(
                    "Observed in the last {}: {} read and {} write units; a month at that rate is {} read and {} write units. The table is {mode} now.",
                    if e.window_minutes == 1.0 { "minute".to_string() } else { format!("{:.0} minutes", e.window_minutes) },
                    units(e.observed.read), units(e.observed.write),
                    units(e.monthly_units.read), units(e.monthly_units.write),
                ) }
            </p>
            <div class="grid-scroll" tabindex="0" role="region" aria-label="Monthly cost estimate">
                <table class="item-grid" id="cost-table">
                    <thead><tr>
                        // The month's total first, so a phone shows it without scrolling.
                        <th scope="col">{ "Mode" }</th><th scope="col">{ "A month" }</th>
                        <th scope="col">{ "Reads" }</th><th scope="col">{ "Writes" }</th>
                        <th scope="col">{ "Storage" }</th>
                    </tr></thead>
                    <tbody>
                        { row("cost-on-demand", html! { { "On demand" } }, e.on_demand.read, e.on_demand.write, e.on_demand_total()) }
                        { row("cost-peak",
                              html! { { format!("Provisioned for the peak ({} RCU, {} WCU)", units(e.provisioned_peak.units.read), units(e.provisioned_peak.units.write)) } },
                              e.provisioned_peak.cost.read, e.provisioned_peak.cost.write, e.peak_total()) }
                        if let Some(p) = &e.provisioned_now {
                            { row("cost-provisioned",
                                  html! { { format!("Provisioned as set ({} RCU, {} WCU)", units(p.units.read), units(p.units.write)) } },
                                  p.cost.read, p.cost.write, p.cost.total() + e.storage) }
                        }
                    </tbody>
                </table>
            </div>
            <details>
                <summary>{ "How this is worked out" }</summary>
                <ul id="cost-assumptions">
                    { for e.assumptions.iter().map(|a| html! { <li>{ a }</li> }) }
                    <li>{ format!(
                        "Prices used: ${} per million read and ${} per million write request units; ${} per RCU-hour and ${} per WCU-hour; ${} per GB-month.",
                        e.prices.read_per_million, e.prices.write_per_million,
                        e.prices.rcu_hour, e.prices.wcu_hour, e.prices.storage_gb_month,
                    ) }</li>
                </ul>
            </details>
        </section>
    }
}
