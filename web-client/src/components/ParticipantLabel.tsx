import type { ParticipantRole } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

/** "lege, Medisinsk klinikk, Universitetssykehuset Demo": the role in words and where from. */
export function ParticipantLabel(props: { role: ParticipantRole; organisation: string | null }) {
  const { t } = useTranslation();
  const role = t(`role.${props.role}`);

  return (
    <span className="role">{props.organisation ? `${role}, ${props.organisation}` : role}</span>
  );
}
