import RampartCore

/// One self-contained HTML file: no external fetches. Grade, charts (inline SVG),
/// a filterable findings table, each finding with its evidence and fix.
public struct HTMLRenderer {
    public init() {}

    static func colour(_ severity: Severity) -> String {
        switch severity {
        case .critical: "#7b1fa2"
        case .high: "#d32f2f"
        case .medium: "#f57c00"
        case .low: "#0288d1"
        case .info: "#757575"
        }
    }

    static func gradeColour(_ grade: Grade) -> String {
        switch grade {
        case .aPlus, .a: "#2e7d32"
        case .b: "#7cb342"
        case .c: "#f9a825"
        case .d: "#ef6c00"
        case .f: "#c62828"
        }
    }

    /// Horizontal bar chart as inline SVG.
    func barChart(title: String, bars: [(label: String, value: Int, colour: String)]) -> String {
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        let rowHeight = 22, labelWidth = 70, barWidth = 260
        var svg = "<figure><figcaption>\(escapeMarkup(title))</figcaption>"
        svg += "<svg role=\"img\" aria-label=\"\(escapeMarkup(title))\" width=\"\(labelWidth + barWidth + 50)\" height=\(bars.count * rowHeight + 4) xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, bar) in bars.enumerated() {
            let y = i * rowHeight
            let width = bar.value == 0 ? 0 : max(2, bar.value * barWidth / maxValue)
            svg += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(escapeMarkup(bar.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"16\" fill=\"\(bar.colour)\" rx=\"2\"/>"
            svg += "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 15)\" font-size=\"12\">\(bar.value)</text>"
        }
        return svg + "</svg></figure>"
    }

    public func render(_ report: Report) -> String {
        let severityBars = Severity.descending.map { ($0.rawValue, report.countsBySeverity[$0] ?? 0, Self.colour($0)) }
        let owaspBars = OWASPCategory.allCases.map { ($0.rawValue, report.countsByOWASP[$0] ?? 0, "#455a64") }
        var rows = ""
        for finding in report.findings {
            let evidence = [finding.evidence?.excerpt, finding.evidence?.request, finding.evidence?.response, finding.evidence?.curl].compactMap { $0 }
            rows += """
            <tr data-severity="\(finding.severity.rawValue)" data-owasp="\(finding.owasp.rawValue)">\
            <td><span class="sev" style="background:\(Self.colour(finding.severity))">\(finding.severity.rawValue)</span></td>\
            <td><code>\(escapeMarkup(finding.ruleId))</code><br><small>\(finding.owasp.rawValue) · \(finding.cwe.map { "CWE-\($0)" }.joined(separator: ", "))</small></td>\
            <td><code>\(escapeMarkup(finding.location.display))</code></td>\
            <td><details><summary>\(escapeMarkup(finding.message))</summary>\
            \(evidence.map { "<pre>\(escapeMarkup($0))</pre>" }.joined())\
            <p><b>Fix:</b> \(escapeMarkup(finding.remediation))</p><p class="fp">confidence \(finding.confidence.rawValue) · fingerprint \(finding.fingerprint)</p></details></td></tr>

            """
        }
        let tables = report.tables.map { table in
            "<h2>\(escapeMarkup(table.title))</h2><table><thead><tr>" + table.columns.map { "<th>\(escapeMarkup($0))</th>" }.joined() + "</tr></thead><tbody>"
                + table.rows.map { "<tr>" + $0.map { "<td>\(escapeMarkup($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n") + "</tbody></table>"
        }.joined(separator: "\n")
        let errors = report.subjects.compactMap(\.error).map { "<li>\(escapeMarkup($0))</li>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Rampart \(escapeMarkup(report.command)): \(escapeMarkup(report.target))</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#212121;background:#fafafa}
        header{display:flex;gap:2rem;align-items:center;flex-wrap:wrap}
        .grade{font-size:3.5rem;font-weight:700;color:#fff;border-radius:12px;padding:.2rem 1.2rem;background:\(Self.gradeColour(report.score.grade))}
        .charts{display:flex;gap:3rem;flex-wrap:wrap;margin:1.5rem 0}
        figure{margin:0}figcaption{font-weight:600;margin-bottom:.4rem}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border-bottom:1px solid #e0e0e0;padding:.45rem;text-align:left;vertical-align:top;font-size:.9rem}
        th{background:#eceff1;position:sticky;top:0}
        .sev{color:#fff;border-radius:4px;padding:.1rem .45rem;font-size:.8rem}
        pre{background:#263238;color:#eceff1;padding:.5rem;overflow-x:auto;white-space:pre-wrap}
        .fp{color:#757575;font-size:.75rem}.controls{margin:1rem 0;display:flex;gap:1rem}
        td:nth-child(3) code{white-space:nowrap}
        input,select{padding:.35rem;font-size:.9rem}
        </style></head><body>
        <header><div class="grade" title="score \(report.score.value)/100">\(report.score.grade.rawValue)</div>
        <div><h1>Rampart \(escapeMarkup(report.command))</h1><p><code>\(escapeMarkup(report.target))</code><br>
        Score <b>\(report.score.value)</b>/100 · \(report.findings.count) finding(s) · \(report.rules.count) rules · rampart \(escapeMarkup(report.tool.version))</p></div></header>
        \(errors.isEmpty ? "" : "<h2>Inputs that could not be read</h2><ul>\(errors)</ul>")
        <section class="charts">\(barChart(title: "Findings by severity", bars: severityBars))\(barChart(title: "Findings by OWASP API Top 10 (2023)", bars: owaspBars))</section>
        \(tables)
        <div class="controls"><input id="q" type="search" placeholder="Filter findings…" aria-label="Filter findings">
        <select id="sev" aria-label="Severity"><option value="">all severities</option>\(Severity.descending.map { "<option>\($0.rawValue)</option>" }.joined())</select>
        <select id="owasp" aria-label="OWASP category"><option value="">all categories</option>\(OWASPCategory.allCases.map { "<option>\($0.rawValue)</option>" }.joined())</select>
        <span id="shown"></span></div>
        <table id="findings"><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Finding</th></tr></thead><tbody>
        \(rows)</tbody></table>
        <script>
        (function(){var q=document.getElementById('q'),s=document.getElementById('sev'),o=document.getElementById('owasp'),n=document.getElementById('shown');
        var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
        function f(){var t=q.value.toLowerCase(),c=0;rows.forEach(function(r){var ok=(!s.value||r.dataset.severity===s.value)&&(!o.value||r.dataset.owasp===o.value)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);r.style.display=ok?'':'none';if(ok)c++});n.textContent=c+' of '+rows.length+' shown'}
        [q,s,o].forEach(function(e){e.addEventListener('input',f)});f()})();
        </script></body></html>

        """
    }
}
