"""benchmarks/render_tables.py: every results table of README.md, docs/
and configs/gss/README.md is what the JSON of its runs renders."""
import json
import os.path as osp
import shutil

import pytest

from tests.conftest import ROOT, load_script


@pytest.fixture()
def render():
    return load_script(osp.join(ROOT, 'benchmarks', 'render_tables.py'),
                       'render_tables')


def test_tables_in_the_docs_are_their_rendering(render, capsys):
    """Run ``python benchmarks/render_tables.py`` after a benchmark writes
    new JSON or a doc gains a table block."""
    status = render.main(['--check'])
    assert status == 0, capsys.readouterr().err


def test_every_table_is_rendered_somewhere(render):
    used = {name for path in render.documents()
            for name in render.render_document(path)[1]}
    assert used == set(render.TABLES)


def test_an_edited_json_number_makes_the_check_fail(render, tmp_path,
                                                    monkeypatch, capsys):
    """A number changed in a results file shows up in the rendered table
    (and only there), and the check names the stale doc."""
    results = tmp_path / 'results'
    shutil.copytree(render.RESULTS, results)
    camvid = json.loads((results / 'camvid.json').read_text())
    upernet = camvid['runs'][1]['metric']
    assert f"| {100 * upernet['mIoU']:.2f} |" in render.render_camvid('')
    upernet['mIoU'] = 0.1234
    (results / 'camvid.json').write_text(json.dumps(camvid))
    monkeypatch.setattr(render, 'RESULTS', str(results))
    assert '| 12.34 |' in render.render_camvid('')
    assert render.main(['--check']) == 1
    stale = capsys.readouterr().err
    assert 'docs/experiments/camvid.md' in stale and 'README.md' in stale
    assert 'docs/cpu_speed.md' not in stale


def test_a_block_naming_no_table_is_an_error(render, tmp_path, monkeypatch):
    doc = tmp_path / 'doc.md'
    doc.write_text('<!-- table:no_such_table -->\n<!-- /table -->\n')
    monkeypatch.setattr(render, 'ROOT', str(tmp_path))
    with pytest.raises(SystemExit, match="doc.md: no table 'no_such_table'"):
        render.render_document('doc.md')


def test_renamed_configs_point_at_existing_configs(render):
    for old, new in render.RENAMED.items():
        assert not osp.exists(osp.join(ROOT, 'configs/gss/camvid', old +
                                       '.py'))
        assert osp.isfile(osp.join(ROOT, 'configs/gss/camvid', new + '.py'))
