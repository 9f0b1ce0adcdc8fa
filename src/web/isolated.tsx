/**
 * A translated sentence with user-supplied parts (file names, a search) in <bdi>, so a
 * Latin name in an Arabic sentence, or the reverse, keeps its own direction and does not
 * reorder the words around it. `template` is the message with its {placeholders} unfilled.
 */
export function Isolated(props: { template: string; values: Record<string, string> }) {
  const parts = props.template.split(/\{(\w+)\}/);
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 && part in props.values ? (
          <bdi key={index}>{props.values[part]}</bdi>
        ) : (
          part
        ),
      )}
    </>
  );
}
