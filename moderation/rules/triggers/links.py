"""Links trigger: denied domains, invite links and (optionally) any domain outside the allow-list.

Links come from the platform's parsed ``meta.links`` and from the text, after undoing common
obfuscation: ``hxxp``, ``example[.]com``, ``example(dot)com``, ``example dot com``, spaces around a
dot before a known top-level domain, unicode full stops and invisible characters. Hosts are compared
in punycode, so an IDN and its ``xn--`` form are the same domain; subdomains match their parents.
For deny checks a host that mixes Latin with Cyrillic/Greek lookalikes is also compared by its
skeleton ("pаypal.com" with a Cyrillic "а" is denied with "paypal.com") while the allow-list only
accepts the exact host, so a lookalike can never borrow an allowed domain's trust.
Scheme-less domains count only with a known top-level domain, so "file.txt" is not a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation.config.schema import LinksTrigger
from moderation.normalize import normalize
from moderation.rules.triggers.base import TriggerContext, TriggerResult

TEXT_CAP = 100_000
_TLD_TEXT = (
    "com net org info biz io gg me co ly to tv xyz app dev site online top club shop store "
    "link click live fun space pro tk ml ga cf gq ru su ir ua by kz uk de fr es it nl pl br in "
    "cn jp kr au ca us eu ch se no fi dk be at cz tr ae sa eg iq sy jo lb kw qa om ye ps af pk "
    "id my vn th ph sg hk tw nz za ng ke mx ar cl pe ve ws cc ai so st im am fm lt lv ee ro bg "
    "gr pt hu sk si hr rs ba mk al ge az uz chat win vip bet casino money loan work news blog "
    "page one cloud tech media video website icu cyou buzz rest cam monster best life world "
    "today ltd gov edu int onion link gift promo sale rip lol рф укр бел қаз срб ایران مصر "
    "السعودية امارات "
)
_TLDS = frozenset(_TLD_TEXT.split())
_TLD_ALT = "|".join(sorted(_TLDS, key=len, reverse=True))
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u180e\u034f]")
_UNICODE_DOTS = re.compile("[\u3002\uff0e\uff61\u2024\ufe52\u0701\u0702]")
_SPACES = re.compile(r"\s+")
_HXXP = re.compile(r"\bh(?:xx|\*\*|tt)p(s?)\b ?(?:\[:\]|:) ?//", re.IGNORECASE)
_BRACKET_DOT = re.compile(r"(?<=\w) ?[\[({<] ?(?:\.|dot) ?[\])}>] ?", re.IGNORECASE)
_WORD_DOT = re.compile(rf"(?<=\w) dot (?=(?:{_TLD_ALT})\b)", re.IGNORECASE)
_SPACED_DOT = re.compile(rf"(?<=\w) \. ?(?=(?:{_TLD_ALT})\b)", re.IGNORECASE)
_SCHEME_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`]+", re.IGNORECASE)
_BARE = re.compile(r"(?<![\w@./:-])((?:[\w-]+\.)+([\w-]+))(?::\d{1,5})?(/[^\s<>\"'`]*)?")
_INVITES = (
    ("discord.gg", ""),
    ("discord.com", "/invite/"),
    ("discordapp.com", "/invite/"),
    ("discord.me", ""),
    ("t.me", "/joinchat/"),
    ("t.me", "/+"),
    ("telegram.me", "/joinchat/"),
    ("telegram.me", "/+"),
)


@dataclass(frozen=True)
class Link:
    """A link found in a message: punycode host and path."""

    host: str
    path: str


def deobfuscate(text: str) -> str:
    """Undo common link obfuscation so the URL scanner sees plain URLs.

    Whitespace runs are squeezed first so every pattern below has bounded quantifiers (linear time).
    """
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text[:TEXT_CAP]))
    text = _UNICODE_DOTS.sub(".", text)
    text = _HXXP.sub(lambda m: f"http{m.group(1)}://", text)
    text = _BRACKET_DOT.sub(".", text)
    text = _WORD_DOT.sub(".", text)
    return _SPACED_DOT.sub(".", text)


def to_ascii_host(host: str) -> str:
    """Lowercase punycode form of a host (unchanged where IDNA encoding fails)."""
    host = host.strip().strip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _parse(url: str) -> Link | None:
    if "://" not in url[:12]:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    if "." not in host:
        return None
    return Link(to_ascii_host(host), parts.path or "")


def extract_links(text: str, meta_links: tuple[str, ...] = ()) -> list[Link]:
    """Every distinct link in ``meta_links`` and (de-obfuscated) ``text``, in order of appearance."""
    found: list[Link] = []
    clean = deobfuscate(text)
    candidates = list(meta_links) + _SCHEME_URL.findall(clean)
    without_schemes = _SCHEME_URL.sub(" ", clean)
    for match in _BARE.finditer(without_schemes):
        if match.group(2).lower() in _TLDS or match.group(2).lower().startswith("xn--"):
            candidates.append(match.group(0))
    for url in candidates:
        link = _parse(url)
        if link is not None and link not in found:
            found.append(link)
    return found


def _domain_match(host: str, domains: list[str]) -> str | None:
    """The longest listed domain that ``host`` equals or is a subdomain of."""
    best: str | None = None
    for domain in domains:
        d = to_ascii_host(domain)
        if d and (host == d or host.endswith("." + d)) and (best is None or len(d) > len(best)):
            best = d
    return best


def _skeleton_host(host: str) -> str:
    """A lookalike-free version of a host for deny checks."""
    try:
        unicode_host = host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    labels = [normalize(label).replace(" ", "") or label for label in unicode_host.split(".")]
    return to_ascii_host(".".join(labels))


def is_invite(link: Link) -> bool:
    """Whether a link is a Discord or Telegram invite."""
    for domain, prefix in _INVITES:
        if (link.host == domain or link.host == "www." + domain) and link.path.lower().startswith(
            prefix or "/"
        ):
            return len(link.path) > len(prefix or "/")
    return False


def check(cfg: LinksTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire on an invite, a denied domain, or (``only_allowed``) any domain not allowed."""
    links = extract_links(ctx.msg.text, ctx.msg.meta.links)
    if not links:
        return TriggerResult.miss("no links")
    for link in links:
        allowed = _domain_match(link.host, cfg.allow_domains)
        denied = _domain_match(link.host, cfg.deny_domains) or _domain_match(
            _skeleton_host(link.host), cfg.deny_domains
        )
        if denied and not (allowed and len(allowed) >= len(denied)):
            return TriggerResult.hit(f"denied domain {link.host} ({denied})")
        if allowed:
            continue
        if cfg.invites and is_invite(link):
            return TriggerResult.hit(f"invite link {link.host}{link.path[:40]}")
        if cfg.only_allowed:
            return TriggerResult.hit(f"domain {link.host} is not in allow_domains")
    hosts = ", ".join(sorted({link.host for link in links})[:5])
    return TriggerResult.miss(f"links allowed: {hosts}")
