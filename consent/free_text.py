"""Short free-text replies that a reasonable person reads as "stop" (FCC 2024 revocation order).

The rule: a short reply is an opt-out when it is made only of stop phrases ("stop",
"take me off", "no more") and filler words ("me", "texting", "please", "now") of one
language. Any other word means the message is about something else ("don't stop the
music", "will the line stop moving soon?"), and negations are not filler, so "please don't
stop" never parses. Phrases are written without accents; the reply is folded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from consent._text import normalize, strip_accents, words

# Longer replies are conversation, not a revocation, even if every word is on the lists.
MAX_WORDS = 14


@dataclass(frozen=True)
class _Vocabulary:
    language: str
    stops: tuple[tuple[str, ...], ...]
    fillers: tuple[tuple[str, ...], ...]


def _phrases(listing: str) -> tuple[tuple[str, ...], ...]:
    found = {words(strip_accents(normalize(p))) for p in listing.split(",")}
    # Longest first, so that "no more" wins over a shorter phrase starting the same way.
    return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))


def _vocabulary(language: str, stops: str, fillers: str) -> _Vocabulary:
    return _Vocabulary(language, _phrases(stops), _phrases(fillers))


_VOCABULARIES = (
    _vocabulary(
        "en",
        "stop, stop it, unsubscribe, unsub, opt out, opt me out, optout, cancel, quit, revoke,"
        " remove, remove me, take me off, leave me alone, no more, wrong number,"
        " don't text, dont text, do not text, never text, don't message, dont message,"
        " do not message, never message, don't send, dont send, do not send,"
        " don't contact, dont contact, do not contact, don't want, dont want, do not want",
        "me, my, i, you, your, it, this, these, them, all, any, the, of, to, from, off, on,"
        " please, pls, plz, now, right, immediately, asap, just, already, again, ever, anymore,"
        " more, text, texts, texting, txt, txts, message, messages, messaging, msgs, sms, send,"
        " sending, list, number, subscription, consent, want, would, like, wish, can, could,"
        " ok, okay, yes, thanks, thank, and",
    ),
    _vocabulary(
        "es",
        "stop, alto, para, pare, paren, parar, basta, baja, dar de baja, darme de baja,"
        " dame de baja, denme de baja, cancelar, cancela, no mas, no me envien, no me envies,"
        " no me manden, no me mandes, no me escriban, no me escribas, deja de, dejen de,"
        " no quiero, dejame en paz, dejenme en paz, eliminarme, borrarme, desuscribirme",
        "me, por, favor, porfa, porfavor, ya, ahora, mas, mensajes, mensaje, sms, textos, texto,"
        " enviar, enviarme, mandar, mandarme, escribirme, recibir, de, la, lista, los, las,"
        " estos, esos, gracias, todos, ningun, y",
    ),
    _vocabulary(
        "fr",
        "stop, arret, arrete, arretez, arreter, desabonner, desabonnez, desinscrire,"
        " desinscrivez, ne m'envoyez plus, ne m'envoie plus, laissez moi tranquille",
        "moi, me, svp, stp, s'il, vous, te, plait, merci, de, m'envoyer, envoyer, des, les,"
        " messages, sms, textos, maintenant, tout, tous, ces, et",
    ),
    _vocabulary(
        "de",
        "stop, stopp, aufhoren, hor auf, hort auf, horen sie auf, abbestellen, abmelden,"
        " keine sms, keine nachrichten, keine mehr, lassen sie mich in ruhe",
        "bitte, mehr, sms, nachrichten, mir, mich, jetzt, sofort, danke, schicken, senden,"
        " sie, mit, den, die, diese, alle, und",
    ),
    _vocabulary(
        "et",
        "stop, stopp, lopeta, lopetage, tuhista, tuhistage, ara saada, arge saatke,"
        " ara kirjuta, arge kirjutage, aitab, loobun, jata mind rahule, jatke mind rahule,"
        " eemalda mind, eemaldage mind, ei soovi",
        "palun, mulle, mind, enam, rohkem, sonumeid, sonumid, sonumite, sonum, sms, smsid,"
        " saatmine, saatmist, kohe, nuud, aitah, tanan, ja, koik, nimekirjast",
    ),
    _vocabulary(
        "zh",
        "停止, 停发, 别发, 不要发, 不要再, 别再, 退订, 取消订阅, 退出, 勿扰, 勿打扰,"
        " 不想收到, 不想再收到",
        "请, 我, 给, 给我, 短信, 信息, 消息, 了, 吧, 啊, 呀, 谢谢, 再, 发, 发送, 所有, 现在, 马上,"
        " 立即, 立刻, 都, 的, 你们, 任何, 订阅, 服务, 打扰",
    ),
)


def opt_out_language(body: str) -> str | None:
    """The language of a short free-text opt-out ("please stop"), or None if it is not one."""
    tokens = words(strip_accents(normalize(body)))
    if not tokens or len(tokens) > MAX_WORDS:
        return None
    for vocabulary in _VOCABULARIES:
        if _is_opt_out(tokens, vocabulary):
            return vocabulary.language
    return None


def _is_opt_out(tokens: tuple[str, ...], vocabulary: _Vocabulary) -> bool:
    position, stops = 0, 0
    while position < len(tokens):
        stop = _match(tokens, position, vocabulary.stops)
        matched = stop or _match(tokens, position, vocabulary.fillers)
        if not matched:
            return False
        stops += bool(stop)
        position += len(matched)
    return stops > 0


def _match(
    tokens: tuple[str, ...], position: int, phrases: tuple[tuple[str, ...], ...]
) -> tuple[str, ...]:
    for phrase in phrases:
        if tokens[position : position + len(phrase)] == phrase:
            return phrase
    return ()
