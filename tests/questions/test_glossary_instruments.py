"""The glossary decodes the questionnaires the Overview's cards name (a new user met "QPR-15" undecoded)."""

from analysis.questions.glossary import GLOSSARY, terms_in


def test_glossary_decodes_the_questionnaires_named_on_the_cards():
    found = terms_in("Yes: better QPR-15 scores", "DUNDRUM-4 not enough data, HoNOS-Secure", "EssenCES, 0 to 20")
    assert list(found) == ["QPR-15", "DUNDRUM-3 and DUNDRUM-4", "HoNOS-Secure", "EssenCES"]
    assert "Higher scores are better" in found["QPR-15"] and "Lower scores are better" in found["HoNOS-Secure"]
    assert terms_in("dundrums and honest sessions") == {}  # whole words only
    for term in found:
        assert GLOSSARY[term].endswith(".") and len(GLOSSARY[term]) < 500
