"""Synonym groups ("refund, money back, reimburse"): any member a customer types also finds the others.

Applied when a query is built, so an admin's change takes effect at once without a reindex.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from knowledge_base.analysis import TextAnalyzer

# The groups a new site starts with; admins edit them in the console (the database holds the live set).
DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "en": (
        "refund, money back, reimburse, reimbursement, repay",
        "parcel, package, shipment",
        "promo code, discount code, voucher, coupon, discount",
        "password, login, log in, sign in, signin",
        "account, profile",
        "cancel, stop",
        "return, send back",
        "broken, damaged, cracked, smashed, leaking",
        "track, trace, follow",
        "invoice, receipt, bill",
        "charged, debited, billed, deducted",
        "late, delayed, overdue",
        "address, postcode",
        "gift card, gift voucher",
        "klarna, pay later, afterpay",
        "teapot, pot, kettle",
        "caffeine, decaf",
    ),
    "pt": (
        "reembolso, devolver o dinheiro, estorno, dinheiro de volta",
        "encomenda, pedido, pacote, embalagem",
        "código promocional, cupão, cupom, desconto, voucher",
        "senha, palavra-passe, password, login, entrar",
        "cancelar, anular",
        "devolver, devolução, trocar",
        "partido, danificado, estragado, avariado",
        "cartão-presente, cartão oferta, vale",
        "fatura, factura, recibo",
        "portes, envio, entrega",
    ),
    "nl": (
        "terugbetaling, geld terug, terugstorten, restitutie",
        "pakket, pakketje, zending, bestelling",
        "kortingscode, couponcode, voucher, actiecode, korting",
        "wachtwoord, inloggen, login, aanmelden",
        "annuleren, stopzetten",
        "retour, retourneren, terugsturen",
        "kapot, beschadigd, gebroken, lek",
        "cadeaubon, cadeaukaart, giftcard",
        "factuur, bon, rekening",
        "verzendkosten, verzending, bezorging, levering",
    ),
}


@dataclass(frozen=True)
class Synonyms:
    """Groups compiled to term sequences: ((("money", "back"), ("refund",)), ...)."""

    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()

    @classmethod
    def compile(cls, analyzer: TextAnalyzer, groups: Iterable[str]) -> Synonyms:
        compiled = []
        for line in groups:
            members = []
            for phrase in line.split(","):
                terms = tuple(t.text for t in analyzer(phrase.strip()))
                if terms and terms not in members:
                    members.append(terms)
            if len(members) > 1:
                compiled.append(tuple(members))
        return cls(tuple(compiled))

    def expansions(self, terms: list[str]) -> list[tuple[str, ...]]:
        """The other members of every group one of whose members occurs (in order) in the terms."""
        found: list[tuple[str, ...]] = []
        for group in self.groups:
            if any(_contains(terms, member) for member in group):
                found.extend(m for m in group if not _contains(terms, m) and m not in found)
        return found


def _contains(terms: list[str], member: tuple[str, ...]) -> bool:
    n = len(member)
    return any(tuple(terms[i:i + n]) == member for i in range(len(terms) - n + 1))
