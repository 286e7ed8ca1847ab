# upernet_effnet-lite0_camvid.py trained and tested in bf16 autocast with
# channels-last weights on the CPU (same data, schedule and budget); its
# depthwise convolutions train in fp32 (faster on the CPU).
_base_ = './upernet_effnet-lite0_camvid.py'
cpu_bf16 = dict(channels_last=True, fp32_depthwise=True)
