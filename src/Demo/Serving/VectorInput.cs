using Microsoft.ML.Data;

namespace CnnMl.Demo.Serving;

/// <summary>The engine input of a vector model: the values in the model's own input column (MNIST's <c>Image</c>, 784 floats).</summary>
internal sealed class VectorInput
{
    public float[] Values { get; set; } = [];

    /// <summary><see cref="Values"/> as <paramref name="column"/>, a vector of <paramref name="size"/> floats.</summary>
    public static SchemaDefinition Definition(string column, int size)
    {
        var definition = SchemaDefinition.Create(typeof(VectorInput));
        var values = definition.Single(c => c.MemberName == nameof(Values));
        values.ColumnName = column;
        values.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return definition;
    }
}
