"""Choosing where and in what precision to train: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

from dataclasses import dataclass

from .runs import ConfigError


@dataclass
class GPU:
    index: int
    name: str
    memory: int  # bytes
    bf16: bool


def list_gpus() -> list[GPU]:
    """Every CUDA GPU torch can see, by name and memory."""
    import torch

    if not torch.cuda.is_available():
        return []
    out = []
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        out.append(GPU(i, p.name, p.total_memory, p.major >= 8))
    return out


def pick_device(request: str = "auto"):
    """The torch.device for a setting of auto, cpu, cuda, cuda:N or mps."""
    import torch

    request = (request or "auto").strip().lower()
    if request == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if request == "cpu":
        return torch.device("cpu")
    if request.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("device 'cuda' was chosen but this machine has no CUDA GPU; choose auto or cpu")
        idx = request.split(":", 1)[1] if ":" in request else str(torch.cuda.current_device())
        if not idx.isdigit() or int(idx) >= torch.cuda.device_count():
            raise ConfigError(f"there is no GPU {request}; this machine has {torch.cuda.device_count()}")
        return torch.device("cuda", int(idx))
    if request == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError("device 'mps' was chosen but Apple's Metal backend is not available; choose auto or cpu")
        return torch.device("mps")
    raise ConfigError(f"unknown device {request!r}; choose auto, cpu, cuda, cuda:N or mps")


def auto_precision(cuda: bool, bf16: bool) -> str:
    """What precision "auto" is: bf16 where the GPU has it, fp16 (with loss scaling) on older
    GPUs, fp32 elsewhere (also what the window's memory estimate assumes)."""
    return ("bf16" if bf16 else "fp16") if cuda else "fp32"


def pick_precision(request: str, device) -> str:
    """bf16 where the GPU has it, fp16 (with loss scaling) on older GPUs, fp32 elsewhere."""
    import torch

    request = (request or "auto").lower()
    if device.type != "cuda":
        if request in ("bf16", "fp16") and device.type == "cpu":
            raise ConfigError(f"precision {request} needs a GPU; on the CPU choose fp32 or auto")
        return auto_precision(False, False)
    has_bf16 = torch.cuda.is_bf16_supported()
    if request == "auto":
        return auto_precision(True, has_bf16)
    if request == "bf16" and not has_bf16:
        raise ConfigError("this GPU has no bf16; choose fp16 or auto")
    return request


def autocast_dtype(precision: str):
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
