"""``import gss`` loads the model path only: the scene renderer and the
reference X⁻¹ decoders are imported by the tools and tests that use them."""

#: Modules that serve tools, tests and benchmarks only.
NOT_ON_IMPORT = {'gss.datasets.street_scenes',
                 'gss.maskige.reference_decoders'}


def test_import_gss_leaves_out_the_renderer_and_reference_decoders(
        fresh_import):
    loaded = set(fresh_import['modules'])
    # The registered classes are in place...
    assert {'gss.datasets.synthetic', 'gss.maskige.codec',
            'gss.datasets.universal_taxonomy'} <= loaded
    # ...the helpers are not.
    assert not loaded & NOT_ON_IMPORT


def test_registered_dataset_and_decode_work_without_importing_first(
        fresh_import):
    """The dataset class stays registered; ``MaskigeCodec.decode`` loads the
    reference decoders on first use."""
    assert fresh_import['dataset_registered']
    assert fresh_import['decoded']
    assert 'gss.maskige.reference_decoders' in fresh_import[
        'modules_after_decode']
