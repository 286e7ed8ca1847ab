"""``import gss`` loads the model path only: the scene renderer and the
reference X⁻¹ decoders are imported by the tools and tests that use them."""
import json
import subprocess
import sys
import textwrap

#: Modules that serve tools, tests and benchmarks only.
NOT_ON_IMPORT = ('gss.datasets.street_scenes',
                 'gss.maskige.reference_decoders')


def loaded_after(statement):
    code = textwrap.dedent(f"""
        import json, sys
        {statement}
        print(json.dumps(sorted(m for m in sys.modules
                                if m.startswith('gss'))))
    """)
    result = subprocess.run([sys.executable, '-c', code], check=True,
                            capture_output=True, text=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_gss_leaves_out_the_renderer_and_reference_decoders():
    loaded = loaded_after('import gss')
    # Registered classes are in place...
    assert {'gss.datasets.synthetic', 'gss.maskige.codec',
            'gss.datasets.universal_taxonomy'} <= loaded
    # ...the heavy helpers are not.
    assert not loaded & set(NOT_ON_IMPORT)
    # The check can fail: importing them loads them.
    assert set(NOT_ON_IMPORT) <= loaded_after(
        'import gss.datasets.street_scenes, gss.maskige.reference_decoders')


def test_registered_dataset_and_decode_work_without_importing_first():
    """The dataset class stays registered; ``MaskigeCodec.decode`` loads the
    reference decoders on first use."""
    code = textwrap.dedent("""
        import sys, torch
        import gss
        from mmseg.datasets.builder import DATASETS
        assert DATASETS.get('SyntheticStreetDataset') is \\
            gss.datasets.SyntheticStreetDataset
        codec = gss.maskige.MaskigeCodec('camvid', 11)
        labels = torch.randint(0, 11, (1, 4, 4))
        assert torch.equal(codec.decode(codec.encode(labels)), labels)
        assert 'gss.maskige.reference_decoders' in sys.modules
    """)
    subprocess.run([sys.executable, '-c', code], check=True)
