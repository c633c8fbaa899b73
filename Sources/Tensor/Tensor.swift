// Placeholder: the tensor engine is being written (issue 2).
import CBLAS
public enum TensorEngine {}
