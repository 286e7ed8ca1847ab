# GSS-FT-W, EfficientNet-Lite0: the learnable X⁻¹ trained 300 iterations on
# the frozen model of gss-ff_effnet-lite0_256x256_700_camvid.py.
_base_ = [
    '../_base_/models/gss_ft-w_effnet-lite0.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/camvid_700.py',
    '../_base_/default_runtime.py'
]
model = dict(backbone=dict(data_norm={{_base_.img_norm_cfg}}))
load_from = 'work_dirs/gss-ff_effnet-lite0_256x256_700_camvid/latest.pth'
# The X⁻¹'s window attention runs at full crop resolution, the costliest
# part on a CPU: batch 2 of the same 256×256 crops.
data = dict(samples_per_gpu=2, workers_per_gpu=1)
runner = dict(max_iters=300)
checkpoint_config = dict(interval=300)
evaluation = dict(interval=300)
log_config = dict(interval=20)
