//! Weekly team reports: HTML (self-contained, inline SVG charts), Markdown and JSON.
