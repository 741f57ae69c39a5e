"""Metadata of an HTML page from its own markup: the article's title, credits, publisher and date.

A page carries several candidates for each field (JSON-LD objects, `<meta>` tags, `<title>`, the
`<h1>`, byline elements) and some belong to other things on the page: a sidebar video's JSON-LD,
the site's section heading in an `<h1>`, a template's "Username". The rules, in one place:

- the page's own article object is the JSON-LD object of an article type whose URL or headline
  matches the page's; other objects (videos, breadcrumbs, organisations) never give the article's
  date, title or authors;
- metadata titles (the article object's headline, Dublin Core, Open Graph, Twitter) beat the
  document `<title>`, whose site suffix is cut the way Readability cuts it (or as the page's own
  heading confirms); an `<h1>` alone is used only when nothing else is there: a page's only `<h1>`
  is often its section ("Allergies Health Center");
- a site name suffix (" - Breitbart") is cut from a title when it is the page's own site name.
Pure: takes a parsed lxml tree, imports no Beam and fetches nothing.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wirestrip.transforms.read.authors import authors_from, person_names
from wirestrip.transforms.read.publishers import publisher_name

_MAX_JSONLD_CHARS = 200_000  # a JSON-LD block bigger than this is not metadata worth parsing
# Pages wrap JSON-LD in CDATA or comment markers ("<![CDATA[ {...} ]]>", "//<!--"): not JSON, cut first.
_CDATA = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_MAX_JSONLD_OBJECTS = 100  # nested @graph lists are walked up to this many objects
# schema.org types of a news or blog article (lower case); a VideoObject or a WebPage is not one.
ARTICLE_TYPES = frozenset(
    "article newsarticle reportagenewsarticle analysisnewsarticle opinionnewsarticle reviewnewsarticle "
    "backgroundnewsarticle askpublicnewsarticle blogposting liveblogposting socialmediaposting report "
    "scholarlyarticle techarticle satiricalarticle".split()
)
# Readability's title separators; the hierarchical ones (\ / > ») mark a path, not a site suffix.
_SEPARATORS = re.compile(r" [|\-\\/>»–—·] ")
_HIERARCHICAL = re.compile(r" [\\/>»] ")
# Metadata keys per field, in priority order (keys lower-cased, "dc." and "dc:" alike).
_TITLE_KEYS = ("dc:title", "dcterm:title", "dcterms:title", "og:title", "title", "twitter:title", "parsely-title")
_AUTHOR_KEYS = (
    "dc:creator",
    "dcterm:creator",
    "dcterms:creator",
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "byl",
)
_SITE_KEYS = ("og:site_name", "application-name", "twitter:site_name")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc:date.issued",
    "dcterms:issued",
    "dc:date",
    "date",
    "og:published_time",
    "parsely-pub-date",
    "sailthru.date",
)
_DESCRIPTION_KEYS = ("dc:description", "og:description", "description", "twitter:description")


@dataclass
class PageMeta:
    """The metadata candidates of one page, chosen by the rules in the module doc."""

    title: str | None = None
    credits: list[str] = field(default_factory=list)  # author fields and bylines as printed
    authors: list[str] = field(default_factory=list)  # person names only
    site_name: str | None = None
    published: str | None = None  # as printed; parsed by the caller with --default-tz
    description: str | None = None
    keywords: str | None = None  # the page's keywords tag, the tags' fallback
    url: str | None = None


def _text(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(htmllib.unescape(value).split())
    return value or None


def meta_values(tree) -> dict[str, str]:
    """`<meta>` content by lower-cased key; a `property` attribute listing several keys gives each of
    them, a `property` beats a `name` for the same key, and the first tag of a key wins."""
    by_property: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        content = _text(el.get("content"))
        if not content:
            continue
        for attr, store in (("property", by_property), ("name", by_name), ("itemprop", by_name)):
            for key in (el.get(attr) or "").lower().split():
                store.setdefault(key.replace("dc.", "dc:").replace("dcterms.", "dcterms:"), content)
    return by_name | by_property


def jsonld_objects(tree) -> list[dict]:
    """Every JSON-LD object of the page (lists and @graph walked), bounded in size and count."""
    out: list[dict] = []
    for el in tree.iterfind(".//script[@type]"):
        if "ld+json" not in (el.get("type") or "").lower():
            continue
        text = el.text or ""
        if len(text) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = json.loads(_CDATA.sub("", text))
        except ValueError:
            continue
        stack = [data]
        while stack and len(out) < _MAX_JSONLD_OBJECTS:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return out


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _url_key(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    return (parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")) or None


def article_object(jsonld: list[dict], page_url: str | None, titles: list[str]) -> dict | None:
    """The page's own article object: an article-typed object whose URL or headline matches the
    page's, else the only (or first) article-typed one."""
    articles = [o for o in jsonld if _types(o) & ARTICLE_TYPES]
    if len(articles) <= 1:
        return articles[0] if articles else None
    want_url, want_titles = _url_key(page_url), {_fold(t) for t in titles if t}
    for obj in articles:
        main = obj.get("mainEntityOfPage")
        urls = [obj.get("url"), main.get("@id") if isinstance(main, dict) else main]
        if want_url and any(isinstance(u, str) and _url_key(u) == want_url for u in urls):
            return obj
    for obj in articles:
        if _fold(_text(obj.get("headline")) or "") in want_titles:
            return obj
    return articles[0]


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def _word_count(text: str) -> int:
    return len(text.split())


def cut_title(title: str) -> tuple[str, str]:
    """(Readability's cut of a document title, the title with its last segment cut). Readability
    cuts the last " | Site" segment, or the first when fewer than 3 words would be left, and keeps
    the whole title when 4 words or fewer remain of a title without a path separator."""
    found = list(_SEPARATORS.finditer(title))
    if not found:
        return title, title
    cut = title[: found[-1].start()].strip()
    current = cut
    if _word_count(current) < 3:
        current = title[found[0].end() :].strip()
    hierarchical = _HIERARCHICAL.search(title) is not None
    words_without_separators = _word_count(re.sub(r"[|\-\\/>»–—·]+", "", title))
    if _word_count(current) <= 4 and (not hierarchical or _word_count(current) != words_without_separators - 1):
        current = title
    return current, cut


def _without_site(title: str | None, site: str | None) -> str | None:
    """The title without a trailing " - <site name>" when that is the page's own site name."""
    if not title or not site:
        return title
    match = list(_SEPARATORS.finditer(title))
    if match and _fold(title[match[-1].end() :]) == _fold(site):
        return title[: match[-1].start()].strip() or title
    return title


def choose_title(meta_titles: list[str], document_title: str | None, headings: list[str], site: str | None) -> str | None:
    """The article's title from its candidates (rules in the module doc)."""
    meta_titles = [t for t in (_without_site(_without_date(x), site) for x in meta_titles) if t]
    if meta_titles:
        return meta_titles[0]
    if document_title:
        current, cut = cut_title(document_title)
        # The cut the page itself confirms (its heading reads so), else Readability's choice.
        agreed = next((form for form in (cut, current) if any(_fold(form) == _fold(h) for h in headings)), None)
        return agreed or _without_site(current, site)
    return headings[0] if len(headings) == 1 else None


def _without_date(title: str) -> str:
    """The title without a trailing " - 07.12.2017" (a segment with no letters is a date or an id)."""
    found = list(_SEPARATORS.finditer(title))
    if found and not any(c.isalpha() for c in title[found[-1].end() :]):
        return title[: found[-1].start()].strip()
    return title


def _headings(tree) -> list[str]:
    """The `<h1>` texts inside the page's `<article>` (all of the page's when it has none)."""
    scope = tree.find(".//article")
    found = (scope if scope is not None else tree).iterfind(".//h1")
    out = []
    for h in found:
        text = " ".join(h.text_content().split())
        if text and text not in out:
            out.append(text)
    return out


def _names(value) -> list[str]:
    """Author names from a JSON-LD author value (a string, an object, a list of either)."""
    out = []
    for a in value if isinstance(value, list) else [value]:
        name = _text(a.get("name")) if isinstance(a, dict) else _text(a)
        if name:
            out.append(name)
    return out


def _byline_elements(tree) -> list[str]:
    """Texts of the page's byline elements (rel/itemprop/class author or byline), first few only."""
    out = []
    for el in tree.xpath(
        "//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or contains(@class,'author')][position() < 40]"
    ):
        if el.tag in ("script", "style", "meta", "link") or "comment" in (el.get("class") or "").lower():
            continue  # a comment's author is not the article's
        text = " ".join(el.text_content().split())
        if text and len(text) < 200 and text not in out:
            out.append(text)
        if len(out) >= 8:
            break
    return out


def _byline_authors(texts: list[str]) -> list[str]:
    """Names from the page's first byline element that names someone; a name there that ends with
    a name some element holds alone (`<span class=author-name>Alex Perry</span>`) is cut to it: the
    words before it were a kicker ("Tech Insider Alex Perry")."""
    found = [(text, person_names(text, caseless=False)) for text in texts]
    alone = [names[0] for text, names in found if names and " ".join(text.split()) == names[0]]
    first = next((names for _, names in found if names), [])
    return list(dict.fromkeys(next((a for a in alone if n.endswith(" " + a)), n) for n in first))


def _publisher_of(obj: dict | None) -> str | None:
    pub = obj.get("publisher") if obj else None
    if isinstance(pub, list):
        pub = pub[0] if pub else None
    return _text(pub.get("name")) if isinstance(pub, dict) else _text(pub)


def _article_time(tree) -> str | None:
    """`<time itemprop=datePublished>` (or `pubdate`) inside the article, else anywhere."""
    for scope in (tree.find(".//article"), tree):
        if scope is None:
            continue
        for el in scope.iterfind(".//time"):
            if el.get("itemprop") == "datePublished" or el.get("pubdate") is not None:
                value = _text(el.get("datetime")) or _text(el.text_content())
                if value:
                    return value
    return None


def date_candidates(tree, meta: dict[str, str], article: dict | None) -> list[str]:
    """Publication date candidates, the article's own first: its JSON-LD object's datePublished,
    `article:published_time`, `<time itemprop=datePublished>` in the article, then other tags.
    The caller takes the first that parses as a real date (a placeholder is skipped)."""
    out = []
    if article is not None:
        out.append(_text(article.get("datePublished")))
    out.append(meta.get("article:published_time"))
    out.append(_article_time(tree))
    out.extend(meta.get(k) for k in _DATE_KEYS[1:])
    return [v for v in dict.fromkeys(out) if v]


def page_meta(tree, page_url: str | None = None) -> tuple[PageMeta, list[str]]:
    """The page's metadata and its date candidates (the caller parses them with its time zone)."""
    meta = meta_values(tree)
    jsonld = jsonld_objects(tree)
    canonical = next((el.get("href") for el in tree.iterfind(".//link[@rel]") if (el.get("rel") or "").lower() == "canonical"), None)
    url = _text(canonical) or meta.get("og:url") or page_url
    doc_title = _text(tree.findtext(".//title"))
    headings = _headings(tree)
    meta_titles = [meta[k] for k in _TITLE_KEYS if k in meta]
    article = article_object(jsonld, url, meta_titles + ([doc_title] if doc_title else []) + headings)
    if article is not None and _text(article.get("headline")):
        meta_titles.insert(0, _text(article.get("headline")))
    site = next((meta[k] for k in _SITE_KEYS if k in meta), None) or _publisher_of(article)
    site = publisher_name(site, url) if site else None
    credits = _names(article.get("author")) if article is not None else []
    credits += [meta[k] for k in _AUTHOR_KEYS if k in meta and not meta[k].lower().startswith("http")]
    byline_texts = _byline_elements(tree)
    authors = authors_from(credits) or _byline_authors(byline_texts)
    return (
        PageMeta(
            title=choose_title(meta_titles, doc_title, headings, site),
            credits=credits or byline_texts[:1],
            authors=authors,
            site_name=site,
            description=next((meta[k] for k in _DESCRIPTION_KEYS if k in meta), None),
            keywords=meta.get("keywords") or meta.get("news_keywords"),
            url=url,
        ),
        date_candidates(tree, meta, article),
    )
