"""The steering group pack: its sections, protection, checks and the HTML, PDF, PowerPoint and Excel renderings.

`build_pack` computes the answers once and returns a `Pack` (the document model in `analysis.pack.render`);
`export_pack` turns it into files under the chosen small-number rule.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".build": ("ALL_FORMATS", "build_pack", "export_pack", "pack_tables"),
        ".render": ("ExportResult", "Pack", "build_outputs"),
    },
)
