"""Read a pickled tiktoken Encoding without running any code the pickle asks for.

`pickle.load` on a downloaded tokenizer.pkl can execute anything (a `__reduce__` to `os.system` is
enough). This unpickler admits only the globals a pickled `tiktoken.Encoding` uses, and even those
are stood in for by inert placeholders: the pickle yields the Encoding's state as plain data, and
the caller builds the Encoding itself after checking the types.
"""

import io
import pickle


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle asked for a global outside the allow-list; `.name` is 'module.name'."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class EncodingState:
    """Stands in for tiktoken.core.Encoding while unpickling; keeps the state it is given."""

    state = None

    def __setstate__(self, state):
        self.state = state


def _reconstructor(cls, base, state):
    # protocols 0 and 1 rebuild objects through copyreg._reconstructor(cls, object, None)
    if cls is not EncodingState or base is not object or state is not None:
        raise pickle.UnpicklingError("copyreg._reconstructor called with unexpected arguments")
    return EncodingState()


def _latin1_bytes(text, encoding):
    # protocols 0-2 store bytes as _codecs.encode(str, 'latin1')
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("_codecs.encode called with unexpected arguments")
    return text.encode("latin1")


def _empty_bytes(*args):
    if args:
        raise pickle.UnpicklingError("builtins.bytes called with arguments")
    return b""


_ALLOWED = {
    ("tiktoken.core", "Encoding"): EncodingState,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("builtins", "object"): object,
    ("_codecs", "encode"): _latin1_bytes,
    ("builtins", "bytes"): _empty_bytes,
}
# protocols 0-2 name the modules the Python 2 way
_ALLOWED.update({("copy_reg", "_reconstructor"): _reconstructor, ("__builtin__", "object"): object,
                 ("__builtin__", "bytes"): _empty_bytes})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise RefusedGlobal(f"{module}.{name}") from None


def load_encoding_state(data: bytes):
    """The state dict (or registered-encoding name) inside a pickled tiktoken Encoding.

    Raises RefusedGlobal for any global outside the allow-list and pickle.UnpicklingError (or
    EOFError, ValueError...) for a corrupt file; never executes code from the pickle.
    """
    obj = _Unpickler(io.BytesIO(data)).load()
    if not isinstance(obj, EncodingState):
        raise pickle.UnpicklingError(f"holds a {type(obj).__name__}, not a tiktoken Encoding")
    return obj.state
