# GSS-FF, EfficientNet-Lite0, 700 iterations, on the 1,024-code tokenizer of
# vqvae-1k_128x128_2k_camvid.py: the GSS-FF of the CPU speed, ONNX and
# FLOPs measurements (docs/cpu_speed.md).
_base_ = [
    '../_base_/models/gss_ff_effnet-lite0.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/camvid_700.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(data_norm={{_base_.img_norm_cfg}}),
    decode_head=dict(
        tokenizer=dict(
            checkpoint='work_dirs/vqvae-1k_128x128_2k_camvid/latest.pth')))
data = dict(samples_per_gpu=4, workers_per_gpu=1)
log_config = dict(interval=20)
