import { THEME_PREFERENCES, useTheme, type ThemePreference } from '../../lib/theme.ts';
import { Icon, type IconName } from '../ui/Icon.tsx';

const meta: Record<ThemePreference, { label: string; icon: IconName }> = {
  light: { label: 'Light', icon: 'sun' },
  dark: { label: 'Dark', icon: 'moon' },
  system: { label: 'System', icon: 'monitor' },
};

/** Light / dark / system, as a group of toggle buttons in the top bar. */
export function ThemeToggle() {
  const { preference, setPreference } = useTheme();
  return (
    <div className="theme-toggle" role="group" aria-label="Colour theme">
      {THEME_PREFERENCES.map((p) => (
        <button
          key={p}
          type="button"
          className="theme-toggle-option"
          aria-pressed={preference === p}
          aria-label={`${meta[p].label} theme`}
          title={`${meta[p].label} theme`}
          data-theme-option={p}
          onClick={() => setPreference(p)}
        >
          <Icon name={meta[p].icon} size={16} />
        </button>
      ))}
    </div>
  );
}
