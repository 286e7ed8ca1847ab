# Distributed test: 2 processes, 4 images each; every rank dumps its final
# parameters so the test can check that gradients were all-reduced.
_base_ = './tiny_fcn_deterministic.py'
custom_imports = dict(imports=['gss', 'tests.dump_params_hook'])
custom_hooks = [dict(type='DumpParamsHook')]
data = dict(samples_per_gpu=4)
