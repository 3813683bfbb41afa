"""The help center's languages and its own words in each of them (articles bring their own)."""

from __future__ import annotations

from flask import current_app, request

LANGUAGE_NAMES = {"en": "English", "pt": "Português", "nl": "Nederlands", "de": "Deutsch", "fr": "Français",
                  "es": "Español", "it": "Italiano"}

STRINGS = {
    "en": {
        "help_center": "Help center", "how_can_we_help": "How can we help?",
        "hero_lead": "Search our articles, or ask us: we answer questions about orders, shipping, returns "
                     "and payments.",
        "search_label": "Search the help center", "search_placeholder": "Ask a question, e.g. where is my parcel?",
        "search": "Search", "results_for": "Results for “{q}”", "did_you_mean": "Did you mean",
        "no_results": "No article matches “{q}” yet.", "no_results_hint": "Try other words, or ask us directly.",
        "articles": "Articles", "see_all": "See all {n} articles", "categories": "Categories",
        "was_this_helpful": "Was this article helpful?", "yes": "Yes", "no": "No",
        "thanks_vote": "Thanks for letting us know.", "related": "Related articles",
        "also_in": "Also in", "still_need_help": "Still need help?", "submit_request": "Submit a request",
        "my_requests": "My requests", "updated": "Updated", "language": "Language", "home": "Help center",
        "suggestions": "Suggested articles", "query_too_long": "Please shorten your question to {n} characters.",
        "search_unavailable": "Search is being rebuilt; please try again in a moment.",
    },
    "pt": {
        "help_center": "Centro de ajuda", "how_can_we_help": "Como podemos ajudar?",
        "hero_lead": "Pesquise os nossos artigos ou fale connosco: respondemos sobre encomendas, envios, "
                     "devoluções e pagamentos.",
        "search_label": "Pesquisar no centro de ajuda",
        "search_placeholder": "Faça uma pergunta, p. ex. onde está a minha encomenda?",
        "search": "Pesquisar", "results_for": "Resultados para “{q}”", "did_you_mean": "Quis dizer",
        "no_results": "Ainda não há artigos para “{q}”.",
        "no_results_hint": "Experimente outras palavras ou fale connosco.",
        "articles": "Artigos", "see_all": "Ver os {n} artigos", "categories": "Categorias",
        "was_this_helpful": "Este artigo foi útil?", "yes": "Sim", "no": "Não",
        "thanks_vote": "Obrigado pela sua opinião.", "related": "Artigos relacionados",
        "also_in": "Também em", "still_need_help": "Ainda precisa de ajuda?", "submit_request": "Enviar um pedido",
        "my_requests": "Os meus pedidos", "updated": "Atualizado", "language": "Idioma", "home": "Centro de ajuda",
        "suggestions": "Artigos sugeridos", "query_too_long": "Encurte a pergunta para {n} caracteres.",
        "search_unavailable": "A pesquisa está a ser reconstruída; tente novamente daqui a pouco.",
    },
    "nl": {
        "help_center": "Helpcentrum", "how_can_we_help": "Hoe kunnen we helpen?",
        "hero_lead": "Zoek in onze artikelen of vraag het ons: we helpen met bestellingen, verzending, "
                     "retouren en betalen.",
        "search_label": "Zoeken in het helpcentrum", "search_placeholder": "Stel een vraag, bijv. waar is mijn pakket?",
        "search": "Zoeken", "results_for": "Resultaten voor “{q}”", "did_you_mean": "Bedoelde je",
        "no_results": "Nog geen artikel over “{q}”.", "no_results_hint": "Probeer andere woorden, of vraag het ons.",
        "articles": "Artikelen", "see_all": "Alle {n} artikelen", "categories": "Categorieën",
        "was_this_helpful": "Was dit artikel nuttig?", "yes": "Ja", "no": "Nee",
        "thanks_vote": "Bedankt voor je reactie.", "related": "Gerelateerde artikelen",
        "also_in": "Ook in", "still_need_help": "Nog hulp nodig?", "submit_request": "Stuur een verzoek in",
        "my_requests": "Mijn verzoeken", "updated": "Bijgewerkt", "language": "Taal", "home": "Helpcentrum",
        "suggestions": "Voorgestelde artikelen", "query_too_long": "Maak je vraag korter dan {n} tekens.",
        "search_unavailable": "De zoekfunctie wordt opnieuw opgebouwd; probeer het zo weer.",
    },
}


def translator(language: str):
    """t(key, **values) in the language, English where a word is missing."""
    words = STRINGS.get(language, {})

    def t(key: str, **values) -> str:
        text = words.get(key) or STRINGS["en"].get(key, key)
        return text.format(**values) if values else text
    return t


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def offered_languages() -> list[str]:
    """The languages the help center is offered in (HELPDESK_KB_LANGUAGES), the default first."""
    return current_app.config["HELPDESK_KB_LANGUAGES"]


def preferred_language() -> str:
    """The visitor's language among those offered (Accept-Language), else the first."""
    return request.accept_languages.best_match(offered_languages()) or offered_languages()[0]
