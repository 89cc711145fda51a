"""Our stand-ins for nanochat's GPT class, one per era's parameter layout (names and shapes only),
written to miniature checkouts so params.py builds them on the meta device as it would the real one."""

# Our stand-in with the parameter names and shapes of nanochat's GPT (March 2026 and later).
HEAD_GPT = '''
from dataclasses import dataclass
import torch
import torch.nn as nn

@dataclass
class GPTConfig:
    sequence_len: int = 2048
    vocab_size: int = 32768
    n_layer: int = 12
    n_head: int = 6
    n_kv_head: int = 6
    n_embd: int = 768
    window_pattern: str = "SSSL"

def value_layer(i, n):
    return (n - 1 - i) % 2 == 0

class Attention(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        d = c.n_embd
        self.c_q, self.c_k, self.c_v, self.c_proj = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.ve_gate = nn.Linear(12, c.n_kv_head, bias=False) if value_layer(i, c.n_layer) else None

class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc, self.c_proj = nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)

class Block(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        self.attn, self.mlp = Attention(c, i), MLP(c.n_embd)

class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        v, d = -(-c.vocab_size // 64) * 64, c.n_embd
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(v, d), h=nn.ModuleList(Block(c, i) for i in range(c.n_layer))))
        self.lm_head = nn.Linear(d, v, bias=False)
        self.resid_lambdas = nn.Parameter(torch.ones(c.n_layer))
        self.x0_lambdas = nn.Parameter(torch.zeros(c.n_layer))
        self.smear_gate = nn.Linear(24, 1, bias=False)
        self.smear_lambda = nn.Parameter(torch.zeros(1))
        self.backout_lambda = nn.Parameter(torch.zeros(1))
        self.value_embeds = nn.ModuleDict({str(i): nn.Embedding(v, d)
                                           for i in range(c.n_layer) if value_layer(i, c.n_layer)})
'''

# A model class with February 2026's parameter layout, built on the meta device by params.py.
FEB_GPT = '''
import dataclasses
import torch
import torch.nn as nn

@dataclasses.dataclass
class GPTConfig:
    sequence_len: int = 2048
    vocab_size: int = 32768
    n_layer: int = 12
    n_head: int = 6
    n_kv_head: int = 6
    n_embd: int = 768
    window_pattern: str = "SSSL"

class Block(nn.Module):
    def __init__(self, d, n_kv_head, has_ve):
        super().__init__()
        self.attn = nn.ModuleDict(dict(c_q=nn.Linear(d, d, bias=False), c_k=nn.Linear(d, d, bias=False),
                                       c_v=nn.Linear(d, d, bias=False), c_proj=nn.Linear(d, d, bias=False)))
        if has_ve:
            self.attn["ve_gate"] = nn.Linear(32, n_kv_head, bias=False)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(d, 4 * d, bias=False),
                                      c_proj=nn.Linear(4 * d, d, bias=False)))

class GPT(nn.Module):  # value_embeds on alternating layers, as in nanochat 2026-02
    def __init__(self, config):
        super().__init__()
        V, d, L = -(-config.vocab_size // 64) * 64, config.n_embd, config.n_layer
        ve = [i for i in range(L) if i % 2 == (L - 1) % 2]
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(V, d), h=nn.ModuleList(
            [Block(d, config.n_kv_head, i in ve) for i in range(L)])))
        self.lm_head = nn.Linear(d, V, bias=False)
        self.value_embeds = nn.ModuleDict({str(i): nn.Embedding(V, d) for i in ve})
        self.resid_lambdas = nn.Parameter(torch.ones(L))
        self.x0_lambdas = nn.Parameter(torch.zeros(L))
'''

# A model class with 2025 nanochat's (v0) parameter layout: the embedding and the head untied,
# four attention and two MLP matrices per layer, nothing else.
V0_GPT = '''
from dataclasses import dataclass
import torch.nn as nn

@dataclass
class GPTConfig:
    sequence_len: int = 1024
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 6
    n_kv_head: int = 6
    n_embd: int = 768

class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        hd = c.n_embd // c.n_head
        self.c_q = nn.Linear(c.n_embd, c.n_head * hd, bias=False)
        self.c_k = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=False)
        self.c_v = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=False)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=False)

class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd, bias=False)
        self.c_proj = nn.Linear(4 * c.n_embd, c.n_embd, bias=False)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn, self.mlp = CausalSelfAttention(c), MLP(c)

class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(config.vocab_size, config.n_embd),
            "h": nn.ModuleList([Block(config) for _ in range(config.n_layer)])})
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
'''

# The IaC fork's layout (holynakamoto/nanochat, Feb 2026): February 2026's parameters with
# grouped-query attention (k, v and the value embeddings n_kv_head heads wide) and a dtype field,
# as a top-level gpt.py that imports its sibling modules the way the fork does (`from common ...`).
FLAT_GPT = '''
from dataclasses import dataclass
import torch
import torch.nn as nn
from common import print0

@dataclass
class GPTConfig:
    sequence_len: int = 2048
    vocab_size: int = 32768
    n_layer: int = 12
    n_head: int = 6
    n_kv_head: int = 6
    n_embd: int = 768
    window_pattern: str = "SSSL"
    model_dtype: torch.dtype = torch.bfloat16

def has_ve(i, n):
    return i % 2 == (n - 1) % 2

class Attention(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        hd = c.n_embd // c.n_head
        self.c_q = nn.Linear(c.n_embd, c.n_head * hd, bias=False)
        self.c_k = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=False)
        self.c_v = nn.Linear(c.n_embd, c.n_kv_head * hd, bias=False)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=False)
        self.ve_gate = nn.Linear(32, c.n_kv_head, bias=False) if has_ve(i, c.n_layer) else None

class Block(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        d = c.n_embd
        self.attn = Attention(c, i)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(d, 4 * d, bias=False),
                                      c_proj=nn.Linear(4 * d, d, bias=False)))

class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        v, d, L = -(-c.vocab_size // 64) * 64, c.n_embd, c.n_layer
        kv_dim = c.n_kv_head * (d // c.n_head)
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(v, d), h=nn.ModuleList(Block(c, i) for i in range(L))))
        self.lm_head = nn.Linear(d, v, bias=False)
        self.resid_lambdas = nn.Parameter(torch.ones(L))
        self.x0_lambdas = nn.Parameter(torch.zeros(L))
        self.value_embeds = nn.ModuleDict({str(i): nn.Embedding(v, kv_dim)
                                           for i in range(L) if has_ve(i, L)})
        print0("built on", self.lm_head.weight.device)
'''
