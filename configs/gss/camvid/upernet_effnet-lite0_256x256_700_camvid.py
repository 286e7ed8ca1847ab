# UPerNet, EfficientNet-Lite0, 700 iterations: the baseline of the CPU
# speed, ONNX and FLOPs measurements (docs/cpu_speed.md).
_base_ = [
    '../_base_/models/upernet_effnet-lite0.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/camvid_700.py',
    '../_base_/default_runtime.py'
]
model = dict(backbone=dict(data_norm={{_base_.img_norm_cfg}}))
data = dict(samples_per_gpu=4, workers_per_gpu=1)
log_config = dict(interval=20)
