"""English and Simplified Chinese: a complete catalogue, the same grading in both, English unchanged.

The catalogue is grader/locale/zh_CN/LC_MESSAGES/grader.po (see grader/i18n.py).
The English text of a failing report is a golden copy taken before the
translations went in: English output must not move.
"""

from __future__ import annotations

import ast
import gettext
import io
import json
import re
from pathlib import Path

import pytest
from conftest import REFERENCE, check_golden

from grader import api, i18n
from grader.answers import blank_sheet
from grader.cli import main
from grader.i18n import _, using
from grader.mistakes import MESSAGES
from grader.model import Check, Diagnosis, ExerciseResult, Report
from grader.reporters import reporter
from grader.verdict import RELAYED, relayed

GRADER = Path(i18n.__file__).parent
PO, MO = i18n.catalogue_paths()[0]
CJK = re.compile("[\u4e00-\u9fff]")
# Words of the English feedback that a Chinese report must not contain (Python's exception text aside).
ENGLISH = re.compile(r"\b(expected|got|First divergence|Everything before|Replay|Oracles|smallest failing|checks? passed|"
                     r"generated cases|not run|likely mistake|canonical|batch of)\b")
BUGGY_RUN = ("--only", "backward.backward", "--only", "training.train_step", "--only", "gradient_descent.num_batches",
             "--examples", "5", "--format", "json")


def catalogue() -> dict:
    entries = i18n.parse_po(PO.read_text(encoding="utf-8"), str(PO))
    entries.pop((None, ""))
    return entries


def english_locale(monkeypatch, lang: str = "C.UTF-8") -> None:
    for name in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)


def cjk(text: str) -> bool:
    return bool(CJK.search(text))


# The catalogue ----------------------------------------------------------------------------


def test_every_message_of_the_code_has_a_chinese_translation_and_none_is_stale():
    marked, entries = i18n.marked_messages(GRADER), catalogue()
    untranslated = [key for key in marked if key not in entries or not all(entries[key]["strings"])]
    assert not untranslated, f"no Chinese in {PO.name} for {untranslated[:5]} (python -m grader.i18n update)"
    assert not [key for key, entry in entries.items() if entry["fuzzy"]]
    stale = [key for key in entries if key not in marked]
    assert not stale, f"{PO.name} holds messages the code no longer uses: {stale[:5]}"
    assert len(marked) > 250  # the finder finds them: every file's messages, not a handful
    plural = [key for key, entry in marked.items() if entry["plural"]]
    assert plural and all(entries[key]["plural"] == marked[key]["plural"] for key in plural)


def test_the_finder_sees_every_marker_form_and_skips_variables(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        "x = _('one {n}')\ny = N_('two')\nz = ngettext('a {n}', 'as {n}', 2)\nw = pgettext('ctx', 'three')\n"
        "v = _(x)\n",
        encoding="utf-8",
    )
    found = i18n.marked_messages(package)
    assert set(found) == {(None, "one {n}"), (None, "two"), (None, "a {n}"), ("ctx", "three")}
    assert found[(None, "a {n}")]["plural"] == "as {n}"
    assert found[(None, "one {n}")]["where"] == ["pkg/m.py:1"]


def test_every_translation_keeps_the_placeholders_of_its_message():
    for (context, msgid), entry in catalogue().items():
        for text in entry["strings"]:
            assert i18n.placeholders(text) == i18n.placeholders(msgid), (msgid, text)
        assert msgid not in entry["strings"], f"{msgid!r} is translated as itself"


def test_the_committed_mo_is_the_po_compiled():
    assert MO.read_bytes() == i18n.compile_po(PO.read_text(encoding="utf-8")), "run python -m grader.i18n compile"


def test_the_compiler_writes_what_gettext_reads():
    po = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

# a comment
msgid "a \"quoted\" {n}"
msgstr "引号 {n}"

msgctxt "bar"
msgid "error"
msgstr "误差"

msgid "{n} check"
msgid_plural "{n} checks"
msgstr[0] "{n} 项"

#, fuzzy
msgid "unsure"
msgstr "不确定"

msgid "long"
msgstr ""
"第一"
"第二"

msgid "blank"
msgstr ""
"""
    compiled = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(po)))
    assert compiled.gettext('a "quoted" {n}') == "引号 {n}"
    assert compiled.pgettext("bar", "error") == "误差" and compiled.gettext("error") == "error"
    assert compiled.ngettext("{n} check", "{n} checks", 5) == "{n} 项"
    assert compiled.gettext("unsure") == "unsure"  # fuzzy entries are left out, as msgfmt does
    assert compiled.gettext("long") == "第一第二"
    assert compiled.gettext("blank") == "blank"


def test_update_keeps_translations_and_adds_and_drops_messages():
    marked = {(None, "kept {n}"): {"plural": None, "where": ["grader/a.py:3"]},
              (None, "new"): {"plural": None, "where": ["grader/b.py:1"]}}
    old = ('# header comment\nmsgid ""\nmsgstr "Language: zh_CN\\n"\n\n'
           'msgid "kept {n}"\nmsgstr "保留 {n}"\n\nmsgid "gone"\nmsgstr "没了"\n')
    text, missing = i18n.update_po(old, marked)
    entries = i18n.parse_po(text)
    assert missing == 1 and text.startswith("# header comment\n")
    assert entries[(None, "kept {n}")]["strings"] == ["保留 {n}"] and (None, "gone") not in entries
    assert entries[(None, "new")]["strings"] == [""] and "#, python-brace-format\nmsgid \"kept {n}\"" in text


def test_no_module_that_translates_rebinds_the_underscore():
    """`x, _ = ...` in a function that calls _() raises UnboundLocalError there: never bind `_`."""
    for path in sorted(GRADER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(
            isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("i18n")
            and any(alias.name == "_" for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imports:
            continue
        bound = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "_"
                 and isinstance(node.ctx, ast.Store)]
        assert not bound, f"{path.name} binds _ on lines {bound}"


# Choosing the language --------------------------------------------------------------------


@pytest.mark.parametrize("environ, lang", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "zh_CN", "LC_ALL": "C"}, "en"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # an empty variable is not set
])
def test_the_default_language_follows_lc_all_then_lc_messages_then_lang(environ, lang):
    assert i18n.default_language(environ) == lang


def test_a_language_is_set_for_a_run_and_reset_after_it():
    assert i18n.current() == "en"
    with using("zh"):
        assert _("not run") == "未运行"
        with using("en"):
            assert _("not run") == "not run"
        assert i18n.current() == "zh"
    assert i18n.current() == "en" and _("not run") == "not run"
    with using("zh"), using(None):
        assert _("not run") == "未运行"  # None keeps the language the caller chose
    with pytest.raises(ValueError), using("fr"):
        pass


def test_the_library_ignores_the_locale_and_follows_its_caller(submissions, monkeypatch):
    english_locale(monkeypatch, "zh_CN.UTF-8")
    folder = submissions.folder(modules=("gradient_descent",))
    options = {"only": ("gradient_descent.num_batches",), "examples": 1}
    report = api.check(folder, **options)
    assert report.lang == "en" and report.exercises[0].feedback == "all 6 checks passed"
    with using("zh"):
        inherited = api.check(folder, **options)
    assert inherited.lang == "zh" and inherited.exercises[0].feedback == "全部 6 项检查通过"
    assert api.check(folder, lang="zh", **options) == inherited


def test_relayed_worker_messages_are_translated_and_python_text_is_not():
    samples = {
        "forward still raises NotImplementedError": "forward 仍然抛出 NotImplementedError（还没有实现）",
        "stopped after 1.5 s": "1.5 秒后被终止",
        "the result[1] has 3 items, expected 2": "结果[1]有 3 项，应为 2 项",
        "ZeroDivisionError: division by zero (forward.py, line 82)": "ZeroDivisionError: division by zero（forward.py，第 82 行）",
        "NameError: name 'np' is not defined": "NameError: name 'np' is not defined",
    }
    with using("zh"):
        for english, chinese in samples.items():
            assert relayed(english) == chinese
    for english in samples:
        assert relayed(english) == english  # in English, a relayed message is left as it is


def test_every_relayed_message_is_recognised(monkeypatch):
    """Each pattern of RELAYED, filled in as the worker fills it, comes out in Chinese."""
    values = {"function": "forward", "seconds": "10", "detail": "bad", "what": "the result[0]", "signal": "SIGKILL",
              "code": "1", "filename": "forward.py", "error": "ValueError: x", "type": "str", "dtype": "<U3",
              "count": "3", "expected": "2", "shape": "(2, 3)", "library": "torch", "file": "forward.py", "line": "4"}
    with using("zh"):
        for template in RELAYED:
            message = template.format(**values)
            assert cjk(relayed(message)), message


# A whole run in both languages ------------------------------------------------------------


def run(runner, folder: Path, *options: str):
    result = runner.invoke(main, ["check", str(folder), *options])
    assert result.exit_code == 1, result.output
    return result.output


def test_a_buggy_submission_gets_chinese_feedback_and_the_same_grades(runner, submissions, monkeypatch):
    english_locale(monkeypatch)
    folder = submissions.folder("backward__batch_mean", "training__stale_weights", "gradient_descent__floor_batches")
    english = json.loads(run(runner, folder, *BUGGY_RUN, "--lang", "en"))
    chinese = json.loads(run(runner, folder, *BUGGY_RUN, "--lang", "zh"))
    assert (english["lang"], chinese["lang"]) == ("en", "zh")
    assert [e["name"] for e in english["exercises"]] == [e["name"] for e in chinese["exercises"]]
    for en, zh in zip(english["exercises"], chinese["exercises"]):
        assert (zh["status"], zh["score"], zh["max_score"]) == (en["status"], en["score"], en["max_score"]) == (
            "failed", 0, en["max_score"])
        assert [(c["passed"], c["ran"]) for c in zh["checks"]] == [(c["passed"], c["ran"]) for c in en["checks"]]
        assert [d["id"] for d in zh["diagnoses"]] == [d["id"] for d in en["diagnoses"]] != []
        for check in zh["checks"]:
            assert cjk(check["name"]) and not ENGLISH.search(check["name"]), check["name"]
            assert not check["message"] or cjk(check["message"]) and not ENGLISH.search(check["message"]), check
        assert cjk(zh["feedback"]) and not ENGLISH.search(zh["feedback"]), zh["feedback"]
        with using("zh"):
            assert [d["message"] for d in zh["diagnoses"]] == [_(MESSAGES[d["id"]]) for d in zh["diagnoses"]]
        assert all(cjk(d["message"]) for d in zh["diagnoses"])
        assert [d["message"] for d in en["diagnoses"]] == [MESSAGES[d["id"]] for d in en["diagnoses"]]
    backward = chinese["exercises"][1]
    assert "第一处偏差（" in backward["feedback"] and "三方对照（" in backward["feedback"]
    assert "复现：grader check" in backward["feedback"]


def test_the_text_report_in_chinese_and_its_labels(runner, submissions, monkeypatch):
    english_locale(monkeypatch)
    folder = submissions.folder("gradient_descent__floor_batches", modules=("gradient_descent",))
    text = run(runner, folder, "--only", "gradient_descent", "--examples", "3", "--lang", "zh")
    lines = text.splitlines()
    assert lines[0] == "练习                             状态        得分"
    assert lines[1] == "gradient_descent.num_batches     未通过       0/3"
    assert lines[-1] == "得分：4/10（1 个通过，2 个未通过；随机种子 0）"
    assert lines[-2] == "7 项检查通过，8 项未通过，0 项未运行"
    assert "可能的错误 [floor_batches]：批次数被向下取整了" in text


def test_lang_defaults_to_the_locale(runner, submissions, monkeypatch):
    folder = submissions.folder(modules=("gradient_descent",))
    options = ("--only", "gradient_descent.num_batches", "--examples", "1")
    english_locale(monkeypatch, "zh_CN.UTF-8")
    chinese = runner.invoke(main, ["check", str(folder), *options])
    assert chinese.exit_code == 0 and chinese.output.startswith("练习")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    english = runner.invoke(main, ["check", str(folder), *options])
    assert english.exit_code == 0 and english.output.startswith("exercise")
    assert runner.invoke(main, ["check", str(folder), *options, "--lang", "zh"]).output == chinese.output
    english_locale(monkeypatch, "C.UTF-8")
    assert runner.invoke(main, ["check", str(folder), *options]).output == english.output


def test_errors_a_student_sees_are_in_the_chosen_language(runner, tmp_path, monkeypatch):
    english_locale(monkeypatch)
    missing = runner.invoke(main, ["check", str(tmp_path / "nowhere"), "--lang", "zh"])
    assert missing.exit_code == 2 and missing.output == f"grader: {tmp_path / 'nowhere'}：没有这个文件或文件夹\n"
    usage = runner.invoke(main, ["check", str(tmp_path), "--timeout", "100", "--lang", "zh"])
    assert usage.exit_code == 2
    assert usage.output.startswith("grader: --timeout 必须大于 0 且不超过 60 秒，而给出的是 100")
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(main, ["check", str(tmp_path / "empty"), "--lang", "en"])
    assert empty.output == f"grader: {tmp_path / 'empty'}: no exercise module found (the folder is empty)\n"


def test_check_answers_in_chinese(runner, tmp_path, monkeypatch):
    english_locale(monkeypatch)
    key = REFERENCE / "canonical-2-2-2.json"
    sheet = blank_sheet(json.loads(key.read_text(encoding="utf-8")), "canonical")
    sheet["answers"][0]["answer"] = 0.5933
    sheet["answers"][1]["answer"] = -0.5969
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(sheet), encoding="utf-8")
    result = runner.invoke(main, ["check-answers", str(path), "--key", str(key), "--lang", "zh"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[1].split() == ["a1[1]", "正确", "0.5933"]
    assert lines[2].split()[:3] == ["a1[2]", "错误", "-0.5969"] and lines[2].endswith("：符号错了")
    assert lines[-1] == "得分：1/22（1 个正确，1 个错误，20 个未填）"
    as_json = runner.invoke(main, ["check-answers", str(path), "--key", str(key), "--lang", "zh", "--format", "json"])
    assert json.loads(as_json.output)["answers"][0]["what"] == "隐藏层激活值 a1[1]"


# English unchanged ------------------------------------------------------------------------


def test_the_english_text_report_is_unchanged(runner, submissions, monkeypatch):
    """Byte for byte the report of the grader before it spoke Chinese (the golden copy), with or without --lang en."""
    english_locale(monkeypatch)
    folder = submissions.folder("backward__batch_mean", "training__stale_weights", "gradient_descent__floor_batches")
    options = ("--only", "backward.backward", "--only", "training.train_step", "--only", "gradient_descent",
               "--examples", "5")
    default = run(runner, folder, *options)
    assert run(runner, folder, *options, "--lang", "en") == default
    check_golden("report.en.txt", default.replace(str(folder), "SUBMISSION"))


# Reporters speak the report's language ----------------------------------------------------


def small_report(lang: str) -> Report:
    exercise = ExerciseResult(
        "forward.forward", "failed", 0.0, 6.0, "canonical 2-2-2: wrong",
        checks=(Check("canonical 2-2-2", False, "wrong"), Check("25 generated cases", False, "not run", ran=False)),
        diagnoses=(Diagnosis("missing_output_activation", "no activation"),),
    )
    return Report(0.0, 6.0, 0, (exercise,), submission="work", lang=lang)


def test_reporters_write_their_labels_in_the_report_language():
    report = small_report("zh")
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report
    html = reporter("html")(report)
    assert '<html lang="zh-CN">' in html and "<h3>可能的错误</h3>" in html and "检查：2 项中通过 0 项" in html
    assert "[未运行] 25 generated cases: not run" in reporter("junit")(report)
    gradescope = json.loads(reporter("gradescope")(report))
    assert gradescope["output"] == "得分：0 / 6（1 个练习中通过 0 个；随机种子 0）。"
    assert gradescope["tests"][0]["output"].startswith("状态：未通过\n\ncanonical 2-2-2: wrong\n\n检查：")
    english = small_report("en")
    assert '<html lang="en">' in reporter("html")(english) and "[NOT RUN]" in reporter("junit")(english)
    assert i18n.current() == "en"  # rendering left the language as it was


def test_a_report_from_json_without_a_language_or_with_an_unknown_one_renders_in_english():
    data = small_report("en").to_dict()
    del data["lang"]
    assert Report.from_dict(data).lang == "en"
    strange = Report.from_dict({**data, "lang": "tlh"})
    assert reporter("text")(strange) == reporter("text")(small_report("en"))


def test_an_import_that_never_ends_is_reported_in_chinese_for_its_module_and_the_modules_importing_it(submissions):
    folder = submissions.folder(modules=("activations", "forward", "backward"),
                                extra={"forward.py": "while True:\n    pass\n"})
    report = api.check(folder, only=("forward", "backward"), examples=2, timeout=1.0, lang="zh").to_dict()
    feedback = "\n".join(e["feedback"] for e in report["exercises"])
    assert {e["status"] for e in report["exercises"]} <= {"timeout", "error"}
    assert "导入 forward.py 时 1 秒后被终止" in feedback
    assert "不再重试" in feedback
    assert "stopped after" not in feedback and "not tried again" not in feedback
