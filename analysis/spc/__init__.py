"""Statistical process control: XmR and u charts, the Making Data Count rules, icons and colours.

Three steps: `xmr` or `u_chart` computes a chart's centre and limits, `classify` marks each point by the
Making Data Count rules, and `variation_icon` / `assurance_icon` summarise the result.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".chart": ("CONVENTION", "RARE_CONVENTION", "rebase_dates", "u_chart", "xmr"),
        ".icons": ("assurance_icon", "icon_svg", "variation_icon"),
        ".mdc": ("MDC_COLOURS", "MDC_LABELS", "MDC_SYMBOLS"),
        ".rules": ("IMPROVEMENT", "VARIATIONS", "classify"),
    },
)
